// Package adapters defines what the engine needs of a southbound: a small transactional
// interface every vendor adapter implements (Junos over NETCONF, 5620 SAM over SOAP, and the
// in-memory fake used by engine tests). The conformance suite in adapters/adaptertest checks
// each implementation against the same contract.
//
// A Target is where a change set is applied: a device reached directly (a Junos router) or an
// NMS that owns devices (a SAM). Transactions are two-phase: Prepare every target, then Commit
// every target; a failure anywhere rolls back every target already prepared.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/xprov/xprov/adapters/config"
)

// Target is one southbound endpoint that holds configuration.
type Target interface {
	// Name is the target's inventory name (device name, or NMS name).
	Name() string
	// Begin starts a transaction on the target. Only one transaction per target is active at a
	// time; Begin blocks (honouring ctx) while another is in progress.
	Begin(ctx context.Context) (Tx, error)
	// Fetch returns the leaves currently on the target (running/committed configuration) at or
	// below each of the given paths, in the same structured form packs render.
	Fetch(ctx context.Context, paths []config.Path) ([]config.Leaf, error)
	// Discover returns the devices reachable through the target (one for a direct device, the
	// managed nodes for an NMS) with their ports.
	Discover(ctx context.Context) ([]Device, error)
	// Op runs an operational (troubleshooting) command on one device of the target.
	Op(ctx context.Context, device, command string) (OpResult, error)
	// Render renders a change set natively for a dry-run (Junos set lines, SAM operations).
	Render(cs config.ChangeSet) (Rendering, error)
	// Close releases sessions held by the target.
	Close() error
}

// Tx is one transaction on one target.
type Tx interface {
	// Prepare loads and validates cs, applying it tentatively (Junos: lock, load, commit check,
	// commit confirmed; SAM: apply object by object with an undo list). After Prepare the
	// change can still be undone by Rollback.
	Prepare(ctx context.Context, cs config.ChangeSet, opts PrepareOptions) error
	// Commit makes the prepared change permanent (Junos: the confirming commit; SAM: forget the
	// undo list) and ends the transaction.
	Commit(ctx context.Context) error
	// Rollback undoes whatever Prepare did and ends the transaction. It is safe to call after a
	// failed Prepare, and a no-op after Commit. An error means the target may hold part of
	// the change; it says what is left.
	Rollback(ctx context.Context) error
}

// PrepareOptions carry attribution and limits for one prepare.
type PrepareOptions struct {
	// Comment is recorded on the device (commit log) to trace the change to a run.
	Comment string
	// ConfirmTimeoutSeconds bounds a confirmed commit; 0 means the adapter's default.
	ConfirmTimeoutSeconds int
}

// Rendering is the native form of a change set for display.
type Rendering struct {
	// Format names the text form: "junos-set", "netconf-xml", "sam-ops", "text".
	Format string `json:"format"`
	Text   string `json:"text"`
	// Extra holds further renderings keyed by format (e.g. the NETCONF XML beside set lines).
	Extra map[string]string `json:"extra,omitempty"`
}

// Device is a managed router as discovered.
type Device struct {
	Name      string `json:"name"`
	Vendor    string `json:"vendor"` // "junos" or "sros"
	Platform  string `json:"platform,omitempty"`
	OSVersion string `json:"os_version,omitempty"`
	Serial    string `json:"serial,omitempty"`
	// Address is the loopback (Junos lo0) or system address (SR OS) used by peers.
	Address string `json:"address,omitempty"`
	// NMS names the NMS the device is reached through, "" for direct devices.
	NMS   string `json:"nms,omitempty"`
	Ports []Port `json:"ports,omitempty"`
}

// Port is one physical port of a device.
type Port struct {
	Name        string `json:"name"`
	SpeedMbps   int    `json:"speed_mbps,omitempty"`
	AdminUp     bool   `json:"admin_up"`
	OperUp      bool   `json:"oper_up"`
	Description string `json:"description,omitempty"`
}

// OpResult is the output of an operational command.
type OpResult struct {
	Text string `json:"text"`
	XML  string `json:"xml,omitempty"`
}

// Sentinel errors classify failures; match them with errors.Is.
var (
	// ErrUnreachable means the target could not be reached; nothing was changed.
	ErrUnreachable = errors.New("unreachable")
	// ErrRejected means the target refused the change (validation, commit check, SOAP fault);
	// nothing of this prepare remains.
	ErrRejected = errors.New("rejected")
	// ErrPossiblyApplied means a request that changes the target was sent but its outcome is
	// unknown (timeout after commit). The caller must check the target, never retry blindly.
	ErrPossiblyApplied = errors.New("possibly applied")
	// ErrLocked means another session holds the configuration lock.
	ErrLocked = errors.New("locked")
	// ErrRollbackFailed means an undo did not complete; the error says what is left.
	ErrRollbackFailed = errors.New("rollback failed")
)

// Error is a failure on one target, carrying the device's own message.
//
// Msg should say what was in flight and, for a failure of the session or the connection, what
// the adapter did about it ("NETCONF session closed during <edit-config>; the candidate is
// discarded with the session, nothing was committed"). Err classifies it (a sentinel above,
// possibly joined with the underlying error); Error() prints only the part of Err's text that
// Msg does not already say, so a cause is never printed twice.
type Error struct {
	Target string // inventory name of the device or NMS
	Op     string // "prepare", "commit", "rollback", "fetch", "discover", "op"
	Path   string // the configuration path or object involved, when known
	Msg    string // the device's own message, or what happened
	Err    error  // a sentinel above, or the underlying error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Target, e.Op)
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		if rest := e.unsaid(); rest != "" {
			s += ": " + rest
		}
	}
	return s
}

// unsaid returns the text of Err without what Msg already says. Err's text is split into the
// parts errors.Join puts on separate lines and the segments "%w: %w" separates with ": "; a
// segment Msg contains is left out, the rest joined with ": ".
func (e *Error) unsaid() string {
	text := e.Err.Error()
	if e.Msg == "" {
		return strings.ReplaceAll(text, "\n", ": ")
	}
	if text == e.Msg || strings.Contains(e.Msg, text) {
		return ""
	}
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.Contains(e.Msg, line) {
			continue
		}
		for _, seg := range strings.Split(line, ": ") {
			if seg != "" && !strings.Contains(e.Msg, seg) && !slices.Contains(keep, seg) {
				keep = append(keep, seg)
			}
		}
	}
	return strings.Join(keep, ": ")
}

func (e *Error) Unwrap() error { return e.Err }
