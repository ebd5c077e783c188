package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/xprov/xprov/engine/store"
)

// BulkItem is the outcome of one request of a bulk.
type BulkItem struct {
	Service string `json:"service"`
	RunID   string `json:"run_id,omitempty"`
	Changes int    `json:"changes"`
	Error   string `json:"error,omitempty"`
}

// BulkResult is the outcome of a bulk: requests refused at admission are reported and left
// out; the others went through the per-target order together.
type BulkResult struct {
	State string     `json:"state"`
	Error string     `json:"error,omitempty"`
	Items []BulkItem `json:"items"`
}

// Bulk submits many requests at once and waits for all of them. It is a client of the one
// transactional path: the requests are admitted one by one, then take consecutive places in
// the per-target order in one step, so they are batched together (one commit per device and
// one store transaction per batch of up to MaxBatch requests).
func (e *Engine) Bulk(ctx context.Context, reqs []Request, user string) (*BulkResult, error) {
	res := &BulkResult{Items: make([]BulkItem, len(reqs))}
	ids := map[string]bool{}
	for i := range reqs {
		if reqs[i].Op == OpCreate && reqs[i].ServiceID == "" {
			reqs[i].ServiceID = newID(reqs[i].Type + "-")
		}
		if ids[reqs[i].ServiceID] {
			return nil, fmt.Errorf("engine: bulk names service %s twice: %w", reqs[i].ServiceID, ErrBadRequest)
		}
		ids[reqs[i].ServiceID] = true
		if reqs[i].User == "" {
			reqs[i].User = user
		}
		res.Items[i].Service = reqs[i].ServiceID
	}
	var jobs []*job
	var idx []int
	for i, req := range reqs {
		j, err := e.admit(ctx, req, nil)
		if errors.Is(err, ErrShutdown) || errors.Is(err, ErrStoreUnavailable) {
			for _, j := range jobs {
				e.unclaim(j.req.ServiceID)
			}
			return nil, err
		}
		if err != nil {
			res.Items[i].Error = err.Error()
			continue
		}
		res.Items[i].RunID = j.run.ID
		jobs = append(jobs, j)
		idx = append(idx, i)
	}
	if len(jobs) == 0 {
		res.State, res.Error = store.RunFailed, "no request could be planned"
		return res, nil
	}
	e.enqueue(jobs)
	res.State = store.RunSucceeded
	for k, j := range jobs {
		r, err := e.Wait(ctx, j.run.ID)
		if err != nil {
			return res, fmt.Errorf("engine: bulk: wait for %s: %w", j.run.ID, err)
		}
		item := &res.Items[idx[k]]
		for _, t := range r.Targets {
			item.Changes += t.Changes
		}
		if r.State != store.RunSucceeded {
			item.Error = r.Error
			res.State = store.RunFailed
			if res.Error == "" {
				res.Error = fmt.Sprintf("%s: %s", item.Service, r.Error)
			}
		}
	}
	return res, nil
}
