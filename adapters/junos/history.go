package junos

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/xprov/xprov/adapters"
)

var _ adapters.History = (*Client)(nil)

// CommitHistory returns the device's commit history, newest first, from
// <get-rollback-information> (one RPC): who committed, when, how and with what comment.
func (c *Client) CommitHistory(ctx context.Context) ([]adapters.Commit, error) {
	if err := c.connect(ctx, "history"); err != nil {
		return nil, err
	}
	r, _, err := c.call(ctx, "history", mk("get-rollback-information", txt("rollback", "0")).String(), callOpts{retry: true})
	if err != nil {
		return nil, err
	}
	var out []adapters.Commit
	for _, h := range r.Root.Find("rollback-history") {
		n, err := strconv.Atoi(strings.TrimSpace(h.ChildText("rollback-number")))
		if err != nil {
			return nil, c.errf("history", adapters.ErrRejected, "rollback-history without a number: %q", h.ChildText("rollback-number"))
		}
		cm := adapters.Commit{Seq: n, User: strings.TrimSpace(h.ChildText("user")), Client: strings.TrimSpace(h.ChildText("client")),
			Comment: strings.TrimSpace(h.ChildText("log"))}
		// Junos prints "2026-12-05 09:10:11 UTC"; a time it cannot parse stays zero.
		if at, err := time.Parse("2006-01-02 15:04:05 MST", strings.TrimSpace(h.ChildText("date-time"))); err == nil {
			cm.At = at.UTC()
		}
		out = append(out, cm)
	}
	return out, nil
}
