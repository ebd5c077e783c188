package engine

import (
	"context"
	"time"
)

// prune applies the retention policy (Options.Retention) every RetentionInterval, so events,
// journals, finished runs, plans and idempotency records do not grow with the number of
// requests ever made. Unfinished runs and their journals are never pruned.
func (e *Engine) prune() {
	if e.o.Retention == nil {
		return
	}
	t := time.NewTicker(e.o.RetentionInterval)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		if e.checkWritable() != nil {
			continue
		}
		res, err := e.st.Prune(context.Background(), *e.o.Retention)
		if err != nil {
			e.log.Error("prune", "err", err)
			continue
		}
		if res.Events+res.Journal+res.Runs+res.Plans+res.Idempotency > 0 {
			e.log.Info("pruned", "events", res.Events, "journal", res.Journal, "runs", res.Runs, "plans", res.Plans, "idempotency", res.Idempotency)
		}
	}
}
