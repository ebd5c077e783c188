package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// MinEvery is the shortest schedule interval accepted.
const MinEvery = time.Minute

// Schedule creates a schedule auditing scope every every, first at the next interval from now.
func (a *Auditor) Schedule(ctx context.Context, scope Scope, every time.Duration, user string) (store.AuditSchedule, error) {
	if every < MinEvery {
		return store.AuditSchedule{}, fmt.Errorf("audit: schedule every %s: at least %s: %w", every, MinEvery, ErrBadScope)
	}
	raw, err := json.Marshal(scope)
	if err != nil {
		return store.AuditSchedule{}, fmt.Errorf("audit: scope: %w", err)
	}
	now := a.o.Now().UTC()
	s := store.AuditSchedule{ID: newID("sched-"), Scope: raw, Every: every, Next: now.Add(every), User: user, Created: now}
	if err := a.o.Store.PutAuditSchedule(ctx, s); err != nil {
		return store.AuditSchedule{}, fmt.Errorf("audit: schedule %s: %w", scope, err)
	}
	return s, nil
}

// RunDue starts a job for every schedule that is due, unless its previous job still runs, and
// moves each to its next time (missed times are skipped, not caught up). It returns the jobs
// started.
func (a *Auditor) RunDue(ctx context.Context) ([]store.AuditJob, error) {
	scheds, err := a.o.Store.ListAuditSchedules(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: schedules: %w", err)
	}
	now := a.o.Now().UTC()
	var started []store.AuditJob
	for _, s := range scheds {
		if s.Next.After(now) {
			continue
		}
		a.mu.Lock()
		_, stillRunning := a.running[s.LastJob]
		a.mu.Unlock()
		if !stillRunning {
			var scope Scope
			if err := json.Unmarshal(s.Scope, &scope); err != nil {
				return started, fmt.Errorf("audit: schedule %s: scope: %w", s.ID, err)
			}
			j, err := a.start(ctx, scope, s.User, s.ID)
			if err != nil {
				return started, err
			}
			started = append(started, j)
			s.LastJob = j.ID
		}
		for !s.Next.After(now) {
			s.Next = s.Next.Add(s.Every)
		}
		if err := a.o.Store.PutAuditSchedule(ctx, s); err != nil {
			return started, fmt.Errorf("audit: schedule %s: %w", s.ID, err)
		}
	}
	return started, nil
}

// schedules runs RunDue every ScheduleTick until Close.
func (a *Auditor) schedules() {
	defer a.wg.Done()
	t := time.NewTicker(a.o.ScheduleTick)
	defer t.Stop()
	for {
		select {
		case <-a.ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.RunDue(a.ctx); err != nil && a.ctx.Err() == nil {
			a.o.Logger.Error("scheduled audits", "err", err)
		}
	}
}
