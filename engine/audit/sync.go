package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xprov/xprov/adapters"
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
		if t.Detail != "" {
			parts[i] = fmt.Sprintf("%s (%s)", t.Target, t.Detail)
		}
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

// isXprov reports whether a commit is xprov's own: its runs comment every commit (and every
// rollback of one) with "xprov run <id>".
func isXprov(c adapters.Commit) bool { return strings.Contains(c.Comment, "xprov run ") }

// CheckChanges asks each audited target that keeps a history (adapters.History: the Junos
// commit history) for its recent commits, one request each and no configuration read, and
// marks out of sync those committed by someone else than xprov since their latest audit, with
// who, when, how and the comment. A target never audited is left alone (there is nothing to
// compare with), and so is one that cannot be read now (its latest audit stands). An audit of
// the whole device that finds it in sync clears the state. It returns the states it changed.
func (a *Auditor) CheckChanges(ctx context.Context) ([]store.TargetSync, error) {
	known, err := a.o.Store.TargetSyncs(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: check changes: %w", err)
	}
	var changed []store.TargetSync
	for _, ts := range known {
		tg, ok := a.o.Target(ts.Target)
		if !ok {
			continue
		}
		h, ok := tg.(adapters.History)
		if !ok {
			continue
		}
		commits, err := h.CommitHistory(ctx)
		if err != nil {
			a.o.Logger.Warn("commit history", "target", ts.Target, "err", err)
			continue
		}
		// Commit times have a second's resolution (Junos): a commit in the second the audit
		// ended counts, which may flag a change the audit saw (another audit clears it) but
		// never misses one.
		since := ts.At.Truncate(time.Second)
		var foreign []adapters.Commit
		for _, c := range commits {
			if !c.At.Before(since) && !isXprov(c) {
				foreign = append(foreign, c)
			}
		}
		if len(foreign) == 0 {
			continue
		}
		newest := foreign[0]
		detail := fmt.Sprintf("%d change(s) behind xprov's back since the audit of %s; the latest by %s", len(foreign),
			ts.At.Format(time.RFC3339), newest.User)
		if newest.Client != "" {
			detail += " via " + newest.Client
		}
		detail += " at " + newest.At.Format(time.RFC3339)
		if newest.Comment != "" {
			detail += fmt.Sprintf(" (%q)", newest.Comment)
		}
		next := ts
		next.State, next.Detail, next.At = store.SyncOutOfSync, detail, a.o.Now().UTC()
		changed = append(changed, next)
	}
	if len(changed) > 0 {
		if err := a.o.Store.PutTargetSync(ctx, changed); err != nil {
			return nil, fmt.Errorf("audit: check changes: %w", err)
		}
	}
	return changed, nil
}
