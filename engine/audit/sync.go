package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/xprov/xprov/engine/store"
)

// ErrOutOfSync means a change targets a device whose latest audit found configuration that
// differs from what xprov recorded: someone changed it behind xprov's back. Resolve it first
// (re-deploy the drifted services, or accept the change) and audit the device again.
var ErrOutOfSync = errors.New("target out of sync")

// OutOfSyncError names the targets a change would touch that are out of sync.
type OutOfSyncError struct {
	Targets []store.TargetSync
}

func (e *OutOfSyncError) Error() string {
	parts := make([]string, len(e.Targets))
	for i, t := range e.Targets {
		parts[i] = fmt.Sprintf("%s (%d of %d services drifted at audit %s)", t.Target, t.Drifted, t.Services, t.Job)
	}
	return "out of sync: " + strings.Join(parts, ", ") + "; re-deploy the drifted services or audit again once resolved"
}

func (e *OutOfSyncError) Unwrap() error { return ErrOutOfSync }

// SyncReader reads targets' sync states (store.AuditJobs has it).
type SyncReader interface {
	TargetSyncs(ctx context.Context, targets ...string) ([]store.TargetSync, error)
}

// CheckTargets returns an *OutOfSyncError (errors.Is ErrOutOfSync) naming those of targets
// whose latest audit found drift, nil when none did. A target never audited, or unknown at its
// latest audit, does not block. It is the deploy gate: the request path calls it with the
// targets a change touches before admitting it, and lets an explicit override through.
func CheckTargets(ctx context.Context, st SyncReader, targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	ts, err := st.TargetSyncs(ctx, targets...)
	if err != nil {
		return fmt.Errorf("audit: sync state of %s: %w", strings.Join(targets, ", "), err)
	}
	var bad []store.TargetSync
	for _, t := range ts {
		if t.State == store.SyncOutOfSync {
			bad = append(bad, t)
		}
	}
	if len(bad) > 0 {
		return &OutOfSyncError{Targets: bad}
	}
	return nil
}
