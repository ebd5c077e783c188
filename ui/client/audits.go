package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

// StartAudit starts an audit job of scope (the zero scope: every service); with wait the
// answer is the finished job.
func (c *Client) StartAudit(ctx context.Context, scope audit.Scope, wait bool) (store.AuditJob, error) {
	var j store.AuditJob
	q := ""
	if wait {
		q = "?wait=true"
	}
	_, err := c.Do(ctx, "POST", "/audits"+q, scope, nil, &j)
	return j, err
}

// AuditJob returns one audit job.
func (c *Client) AuditJob(ctx context.Context, id string) (store.AuditJob, error) {
	var j store.AuditJob
	_, err := c.Do(ctx, "GET", "/audits/"+url.PathEscape(id), nil, nil, &j)
	return j, err
}

// AuditJobs returns one page of audit jobs, newest first.
func (c *Client) AuditJobs(ctx context.Context, cursor string, limit int) (List[store.AuditJob], error) {
	q := url.Values{"cursor": {cursor}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l List[store.AuditJob]
	_, err := c.Do(ctx, "GET", "/audits"+encode(q), nil, nil, &l)
	return l, err
}

// AuditResults returns one page of a job's per-service results, of one status or all ("").
func (c *Client) AuditResults(ctx context.Context, job, status, cursor string, limit int) (List[store.AuditServiceResult], error) {
	q := url.Values{"status": {status}, "cursor": {cursor}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l List[store.AuditServiceResult]
	_, err := c.Do(ctx, "GET", "/audits/"+url.PathEscape(job)+"/results"+encode(q), nil, nil, &l)
	return l, err
}

// AuditSchedules lists the audit schedules.
func (c *Client) AuditSchedules(ctx context.Context) ([]rest.AuditSchedule, error) {
	var l List[rest.AuditSchedule]
	_, err := c.Do(ctx, "GET", "/audit-schedules", nil, nil, &l)
	return l.Items, err
}

// ScheduleAudit creates a schedule auditing scope every interval ("24h").
func (c *Client) ScheduleAudit(ctx context.Context, scope audit.Scope, every string) (rest.AuditSchedule, error) {
	var s rest.AuditSchedule
	_, err := c.Do(ctx, "POST", "/audit-schedules", rest.AuditScheduleRequest{Scope: scope, Every: every}, nil, &s)
	return s, err
}

// DeleteAuditSchedule removes a schedule.
func (c *Client) DeleteAuditSchedule(ctx context.Context, id string) error {
	_, err := c.Do(ctx, "DELETE", "/audit-schedules/"+url.PathEscape(id), nil, nil, nil)
	return err
}

// TargetSyncs returns each target's sync state at its latest audit.
func (c *Client) TargetSyncs(ctx context.Context) ([]store.TargetSync, error) {
	var l List[store.TargetSync]
	_, err := c.Do(ctx, "GET", "/audit-targets", nil, nil, &l)
	return l.Items, err
}

// CheckChanges reads the targets' commit histories for changes made behind xprov's back and
// returns the states it changed.
func (c *Client) CheckChanges(ctx context.Context) ([]store.TargetSync, error) {
	var l List[store.TargetSync]
	_, err := c.Do(ctx, "POST", "/audit-targets/check", nil, nil, &l)
	return l.Items, err
}
