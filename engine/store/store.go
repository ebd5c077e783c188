// Package store is xprov's state store: services and their intents, the configuration each
// service owns per target, pool allocations, runs and their journal, plans, inventory, events,
// users and the audit log. It is the only package that speaks SQL.
//
// Store is the interface the engine and the REST layer use; SQLite (modernc.org/sqlite, WAL)
// implements it today, and the conformance suite in storetest is what a PostgreSQL driver
// would have to pass. Every method that a request runs uses an index.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("not found")
	// ErrStale means a write was based on an old version of a service.
	ErrStale = errors.New("stale version")
	// ErrExists means a unique name or id is taken.
	ErrExists = errors.New("already exists")
	// ErrPoolExhausted means a pool has no free value in the requested range.
	ErrPoolExhausted = errors.New("pool exhausted")
)

// Service states.
const (
	StateCreating  = "creating"  // first run in flight
	StateActive    = "active"    // deployed and recorded
	StateFailed    = "failed"    // last create failed; nothing on devices
	StateDeleting  = "deleting"  // delete run in flight
	StateModifying = "modifying" // modify run in flight
	// StateCleanup: a change failed and its undo could not finish; the service keeps owning
	// what may be left on the device and the reconciler re-deploys its recorded intent.
	StateCleanup = "cleanup"
	// StateFailedCleanup: a create failed and its undo could not finish; the reconciler removes
	// what it left, then the service is failed.
	StateFailedCleanup = "failed-cleanup"
)

// Service is one instance of a pack.
type Service struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Customer    string          `json:"customer,omitempty"`
	State       string          `json:"state"`
	Intent      json.RawMessage `json:"intent"`
	PackVersion string          `json:"pack_version"`
	// Version increases by one with every recorded change; it is the ETag.
	Version   int64         `json:"version"`
	Created   time.Time     `json:"created"`
	Updated   time.Time     `json:"updated"`
	LastRun   string        `json:"last_run,omitempty"`
	Endpoints []EndpointRef `json:"endpoints,omitempty"`
}

// EndpointRef is a (device, port) a service uses; indexed for filters and port usage.
type EndpointRef struct {
	Device string `json:"device"`
	Port   string `json:"port,omitempty"`
}

// OwnedLeaf is one configuration node a service owns on a target. Path is config.Path.String().
type OwnedLeaf struct {
	Target string `json:"target"`
	Path   string `json:"path"`
	Value  string `json:"value,omitempty"`
}

// ExternalOwner is the Owner.Service of configuration found on a target before any service
// created it (RecordParams.External); no service removes it. It equals diff.External.
const ExternalOwner = "~device"

// Owner is one owner of a node (used for reference counting).
type Owner struct {
	Service string
	Value   string
}

// ServiceFilter selects services for a list. Empty fields do not filter.
type ServiceFilter struct {
	Type     string
	State    string
	Customer string
	Device   string
	Port     string
	// Query is free text matched against the service id and customer (prefix match).
	Query string
	// Sort is "id" (default), "-id", "updated" or "-updated".
	Sort string
	// After is the cursor returned by the previous page.
	After string
	Limit int
}

// Allocation is one value a service holds in a pool.
type Allocation struct {
	Pool    string `json:"pool"`
	Scope   string `json:"scope"`
	Key     string `json:"key"`
	Value   int64  `json:"value"`
	Service string `json:"service"`
	RunID   string `json:"run_id,omitempty"`
}

// AllocateParams asks for a value in a pool.
type AllocateParams struct {
	Pool, Scope, Service, Key string
	Lo, Hi                    int64
	// RunID records which run took the value, so a rolled-back run can give it back.
	RunID string
	// Peek returns the value the service holds or would get, without taking it (dry-run).
	Peek bool
}

// PoolUsage summarises one pool scope.
type PoolUsage struct {
	Pool  string `json:"pool"`
	Scope string `json:"scope"`
	Used  int64  `json:"used"`
}

// Run kinds and states.
const (
	RunCreate   = "create"
	RunModify   = "modify"
	RunDelete   = "delete"
	RunRedeploy = "redeploy"
	RunAudit    = "audit"

	RunPending    = "pending"
	RunRunning    = "running"
	RunSucceeded  = "succeeded"
	RunFailed     = "failed"      // rolled back cleanly
	RunRolledBack = "rolled-back" // rolled back by recovery after a crash
	RunCancelled  = "cancelled"
)

// Run is one execution of a workflow on one service.
type Run struct {
	ID       string          `json:"id"`
	Service  string          `json:"service"`
	Kind     string          `json:"kind"`
	State    string          `json:"state"`
	User     string          `json:"user,omitempty"`
	PlanID   string          `json:"plan_id,omitempty"`
	Error    string          `json:"error,omitempty"`
	Targets  []TargetResult  `json:"targets,omitempty"`
	Request  json.RawMessage `json:"request,omitempty"`
	Created  time.Time       `json:"created"`
	Updated  time.Time       `json:"updated"`
	Finished *time.Time      `json:"finished,omitempty"`
}

// TargetResult is the outcome of a run on one target.
type TargetResult struct {
	Target string `json:"target"`
	// State is "pending", "prepared", "committed", "rolled-back", "failed" or "unchanged".
	State   string `json:"state"`
	Changes int    `json:"changes"`
	Error   string `json:"error,omitempty"`
}

// JournalEntry is one journaled step of a run.
type JournalEntry struct {
	RunID string          `json:"run_id"`
	Seq   int64           `json:"seq"`
	Step  string          `json:"step"`
	Phase string          `json:"phase"` // "begin", "done", "failed"
	Data  json.RawMessage `json:"data,omitempty"`
	At    time.Time       `json:"at"`
	// Event, when set on AppendJournal, is appended to the event stream in the same
	// transaction (progress for people following the run). It is not read back.
	Event *Event `json:"-"`
}

// Plan is a computed set of changes that can be applied later exactly as previewed.
type Plan struct {
	ID          string          `json:"id"`
	Service     string          `json:"service"`
	Kind        string          `json:"kind"`
	Hash        string          `json:"hash"`
	BaseVersion int64           `json:"base_version"`
	Body        json.RawMessage `json:"body"`
	User        string          `json:"user,omitempty"`
	Created     time.Time       `json:"created"`
}

// Device is an inventory device as stored (adapters.Device as JSON plus indexed columns).
type Device struct {
	Name   string          `json:"name"`
	Vendor string          `json:"vendor"`
	NMS    string          `json:"nms,omitempty"`
	Data   json.RawMessage `json:"data"`
	Seen   time.Time       `json:"seen"`
}

// Event is one entry of the event stream (run progress, service changes).
type Event struct {
	Seq     int64           `json:"seq"`
	Type    string          `json:"type"`
	Service string          `json:"service,omitempty"`
	RunID   string          `json:"run_id,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	At      time.Time       `json:"at"`
}

// RecordParams is the one write that ends a successful run: the service's new row, what it
// owns on every target it touched, allocations to release, the run's final state and an event,
// all in one transaction.
type RecordParams struct {
	Service Service
	// BaseVersion must equal the stored version (0 for a new service) or ErrStale is returned.
	BaseVersion int64
	// Delete removes the service, everything it owns and all its allocations.
	Delete bool
	// Owned replaces, per target listed, what the service owns there. Targets not listed keep
	// their rows.
	Owned map[string][]OwnedLeaf
	// External records nodes found on a target before any service created them, per target.
	External map[string][]OwnedLeaf
	// Release lists allocations to give back (pool, scope, key).
	Release []Allocation
	Run     Run
	Event   *Event
}

// Store is what the engine and the REST layer need of the state store.
type Store interface {
	// Services.
	// GetService returns a service with its endpoints, or ErrNotFound.
	GetService(ctx context.Context, id string) (Service, error)
	// ListServices returns one page (Limit: default 50, at most 1000) in Sort order, with
	// endpoints, and the opaque cursor of the next page ("" on the last). Cursors are keyset
	// (sort key + id): stable under inserts and deletes, never an offset. An unknown Sort or a
	// malformed After is an error.
	ListServices(ctx context.Context, f ServiceFilter) (page []Service, next string, err error)
	// CountServices counts what the filter selects (Sort, After and Limit ignored). Type and
	// state alone are O(1); customer, device, port and Query are O(matching services).
	CountServices(ctx context.Context, f ServiceFilter) (int64, error)
	// PutServiceState sets a service's state (creating a placeholder row for a new service)
	// without changing its version; used when a run starts. It writes State, Updated and (when
	// not empty) LastRun of an existing row; a new row is created at version 0 with every
	// field given, endpoints included (so a create in flight claims its ports).
	PutServiceState(ctx context.Context, s Service) error
	// Record writes RecordParams in one transaction. The stored version becomes
	// BaseVersion+1 (the Service.Version passed in is ignored); Created is kept from an
	// existing row. The Run is written whole (inserted if new); the Event, when given, defaults
	// its Service and RunID to the record's.
	Record(ctx context.Context, p RecordParams) error
	// RecordBatch records many services in one transaction (the bulk path): all or none; the
	// first failure (ErrStale included) rolls back the batch and names its service.
	RecordBatch(ctx context.Context, ps []RecordParams) error
	// Reserve marks many services busy and takes their allocations in one transaction (the
	// bulk path's first write).
	Reserve(ctx context.Context, p ReserveParams) error

	// Ownership. Configuration recorded as External is owned by ExternalOwner: it shows in
	// Owners and OwnedBelow unless exclude is ExternalOwner, and Owned(ExternalOwner) lists
	// it. Record keeps the first value seen for an external node.
	// Owned returns a service's leaves ordered by target and path.
	Owned(ctx context.Context, service string) ([]OwnedLeaf, error)
	// Owners returns, for each path on target, who else owns it: one owner per distinct
	// value held by services other than exclude (a node shared by thousands of services with
	// one value gives one owner), ordered by service, plus ExternalOwner for pre-existing
	// configuration; paths nobody else owns are absent. Its cost is one index probe per
	// distinct value held, so it does not grow with the number of sharers. Every service in
	// exclude is left out (the first is the requester; a batch adds the services planned in it
	// before, whose stored ownership it replaces); a value held only by excluded services is
	// absent.
	Owners(ctx context.Context, target string, paths []string, exclude ...string) (map[string][]Owner, error)
	// OwnedBelow counts, for each of the given paths, the owners of a node strictly below it
	// (a path that starts with path + "/"): each service other than exclude that owns one
	// counts once, and pre-existing configuration below counts once (unless exclude is
	// ExternalOwner). Paths with none are absent. Its cost does not grow with the number of
	// owners. (A count, not a yes/no, so that a batch can discount the services planned in it.)
	OwnedBelow(ctx context.Context, target string, paths []string, exclude string) (map[string]int, error)

	// Pools.
	// Allocate returns the value held for (pool, scope, service, key), or takes the next free
	// value in [Lo, Hi] (searched from the pool's cursor, wrapping; ErrPoolExhausted when
	// full). Atomic under concurrent callers. A taking call needs the service's row
	// (PutServiceState first; ErrNotFound otherwise) because allocations go with their
	// service. Peek writes nothing and works for services not stored yet.
	Allocate(ctx context.Context, p AllocateParams) (int64, error)
	Lookup(ctx context.Context, pool, scope, service, key string) (int64, bool, error)
	// Allocations returns a service's values ordered by pool, scope and key.
	Allocations(ctx context.Context, service string) ([]Allocation, error)
	// ReleaseRun gives back every allocation taken by a run (rollback).
	ReleaseRun(ctx context.Context, runID string) error
	PoolUsage(ctx context.Context) ([]PoolUsage, error)

	// Snapshot returns a view whose reads all see one consistent state until release is
	// called (a read transaction); writes through it go to the store as usual. Hold it
	// briefly: it pins a read connection.
	Snapshot(ctx context.Context) (view Store, release func(), err error)

	// Runs and journal. Runs outlive their service.
	// CreateRun stores a new run (ErrExists when the id is taken); zero times become now.
	CreateRun(ctx context.Context, r Run) error
	// UpdateRun replaces a run's fields but id and created; a nil Request keeps the stored
	// one. ErrNotFound when the run does not exist.
	UpdateRun(ctx context.Context, r Run) error
	// UpdateRuns updates several runs as UpdateRun does and appends events, in one
	// transaction (a batch of runs starting together); nothing is written when a run does not
	// exist (ErrNotFound).
	UpdateRuns(ctx context.Context, rs []Run, evs []Event) error
	GetRun(ctx context.Context, id string) (Run, error)
	// ListRuns pages runs newest first (created, then id), of one service or all ("").
	ListRuns(ctx context.Context, service string, after string, limit int) ([]Run, string, error)
	// UnfinishedRuns returns runs in state pending or running (recovery after a crash).
	UnfinishedRuns(ctx context.Context) ([]Run, error)
	// AppendJournal appends steps, in one transaction; Seq 0 takes the run's next number
	// (1, 2, ...). The run must exist (ErrNotFound); an explicit Seq already used is
	// ErrExists; nothing is written when one entry is refused.
	AppendJournal(ctx context.Context, es ...JournalEntry) error
	// Journal returns a run's entries in seq order.
	Journal(ctx context.Context, runID string) ([]JournalEntry, error)

	// Plans. Plans are immutable: saving an id twice is ErrExists.
	SavePlan(ctx context.Context, p Plan) error
	GetPlan(ctx context.Context, id string) (Plan, error)

	// Inventory.
	PutDevices(ctx context.Context, ds []Device) error
	GetDevice(ctx context.Context, name string) (Device, error)
	ListDevices(ctx context.Context) ([]Device, error)
	// PortUsers returns the ids of services with an endpoint on (device, port).
	PortUsers(ctx context.Context, device, port string, limit int) ([]string, error)

	// Events. Seqs increase and are never reused.
	AppendEvent(ctx context.Context, e Event) (int64, error)
	// EventsAfter returns up to limit (default 50, at most 1000) events after seq in order.
	EventsAfter(ctx context.Context, seq int64, limit int) ([]Event, error)

	// Retention. Prune drops old events, journals of succeeded runs, finished runs and plans
	// as p allows (and whatever else of the implementation's has expired, such as idempotency
	// records), in short transactions; it never drops an unfinished run or its journal. The
	// server calls it periodically.
	Prune(ctx context.Context, p PruneParams) (PruneResult, error)

	Close() error
}
