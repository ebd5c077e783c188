package engine

import (
	"encoding/json"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/pack"
)

// Op is what a request does to a service.
type Op string

// The operations of a request; all go through one path.
const (
	OpCreate   Op = "create"
	OpModify   Op = "modify"
	OpDelete   Op = "delete"
	OpRedeploy Op = "redeploy" // re-apply the recorded intent (after drift)
)

// Request asks the engine to create, modify, delete or re-deploy a service.
type Request struct {
	Op Op `json:"op"`
	// Type is the pack name (create only; modify keeps the service's type).
	Type string `json:"type,omitempty"`
	// ServiceID names the service. For create it may be empty (the engine picks one).
	ServiceID string `json:"service_id,omitempty"`
	// Intent is the input document (create, modify).
	Intent json.RawMessage `json:"intent,omitempty"`
	// BaseVersion is the service version the caller saw (modify, delete, redeploy); a request
	// based on another version is refused with ErrStale. 0 skips the check.
	BaseVersion int64 `json:"base_version,omitempty"`
	// MatchVersion checks BaseVersion even when it is 0: version 0 is that of a create that
	// never succeeded, and If-Match: "0" must not mean "any version".
	MatchVersion bool `json:"match_version,omitempty"`
	// User is attributed on the run, the plan and the devices.
	User string `json:"user,omitempty"`
}

// Plan is the outcome of a dry-run: the change sets of one request and their hash. Applying a
// plan applies exactly it; it is refused when a recomputation gives another hash.
type Plan struct {
	ID          string              `json:"id"`
	Service     string              `json:"service"`
	Type        string              `json:"type"`
	Op          Op                  `json:"op"`
	BaseVersion int64               `json:"base_version"`
	PackVersion string              `json:"pack_version"`
	Hash        string              `json:"hash"`
	Targets     []TargetPlan        `json:"targets"`
	Endpoints   []pack.Endpoint     `json:"endpoints,omitempty"`
	Allocations []PlannedAllocation `json:"allocations,omitempty"`
	Request     Request             `json:"request"`
}

// TargetPlan is one target's part of a plan: the change set and its native rendering.
type TargetPlan struct {
	Target    string             `json:"target"`
	Devices   []string           `json:"devices"`
	ChangeSet config.ChangeSet   `json:"change_set"`
	Rendering adapters.Rendering `json:"rendering"`
	// Expect holds what the device held at every path the change set touches when the plan
	// was computed; applying the plan refuses when the device holds something else.
	Expect []Expectation `json:"expect,omitempty"`
}

// PlannedAllocation is a pool value the plan uses.
type PlannedAllocation struct {
	Pool  string `json:"pool"`
	Scope string `json:"scope"`
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// Empty reports whether the plan changes no target.
func (p *Plan) Empty() bool {
	for _, t := range p.Targets {
		if !t.ChangeSet.Empty() {
			return false
		}
	}
	return true
}

// AuditResult is the audit of one service (engine/audit.Report): in sync, drifted (missing,
// changed and extra nodes per target, every path a string) or unknown (a target could not be
// read).
type AuditResult = audit.Report

// TargetDrift lists the differences on one target (engine/audit.TargetDrift).
type TargetDrift = audit.TargetDrift

// DriftLeaf is one node that differs (engine/audit.DriftLeaf).
type DriftLeaf = audit.DriftLeaf
