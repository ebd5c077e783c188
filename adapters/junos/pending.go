package junos

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/xprov/xprov/adapters"
)

// A confirmed commit whose session ended. Junos documents only the automatic rollback at the
// confirm deadline; nothing says that the end of the session rolls the commit back (RFC 6241
// §8.4.1 says so for its <commit>, Junos does not follow it). So after a dropped session or a
// crash, a confirmed commit xprov made may still be pending: running holds the change, and it
// will vanish at the deadline. Reading the device then shows a state that changes by itself,
// so xprov never leaves it so:
//   - a transaction whose session ended confirms it (Commit) or undoes it with `rollback 1`
//     and a commit (Rollback), on a new session, explicitly;
//   - a confirmed commit of xprov's user left by a session that ended (a crashed process),
//     found when a new session is opened for a read or a transaction, is confirmed: the
//     device's state is then stable, and the engine's recovery, which reads the device
//     before converging it to the journaled old or new state, changes what it must.
// A confirmed commit of another user, or one whose session still holds the candidate lock, is
// left alone.

// pendingMarker is how `show system commit` (<get-commit-information>) marks the newest
// commit while it waits for confirmation: "commit confirmed, rollback in 10mins".
const pendingMarker = "commit confirmed, rollback in"

// commitHead is the newest entry of the device's commit history.
type commitHead struct {
	user, log string
	pending   bool
}

// head reads the newest commit of the device's history.
func (c *Client) head(ctx context.Context, op string) (commitHead, error) {
	r, _, err := c.call(ctx, op, mk("get-commit-information").String(), callOpts{retry: true})
	if err != nil {
		return commitHead{}, err
	}
	var h commitHead
	if hs := r.Root.Find("commit-history"); len(hs) > 0 {
		h.user = strings.TrimSpace(hs[0].ChildText("user"))
		h.log = strings.TrimSpace(hs[0].ChildText("log"))
		h.pending = strings.Contains(hs[0].ChildText("comment"), pendingMarker)
	}
	return h, nil
}

// ours reports whether h is a confirmed commit of xprov's login waiting for confirmation.
func (c *Client) ours(h commitHead) bool { return h.pending && h.user == c.cfg.User }

// resolvePending confirms (undo false) or undoes the pending confirmed commit on the current
// session: lock, [load rollback 1,] commit with log, unlock. A lock held by another session
// is ErrLocked: the commit's own session may be alive.
// wait retries a lock held by another session for a while: the session that ended may not be
// gone on the device yet.
func (c *Client) resolvePending(ctx context.Context, op string, undo bool, log string, wait bool) error {
	var gen int
	var err error
	for delay := 50 * time.Millisecond; ; delay *= 2 {
		_, gen, err = c.call(ctx, op, rpcLock(), callOpts{})
		if err == nil {
			break
		}
		if !wait || !errors.Is(err, adapters.ErrLocked) || delay > 2*time.Second {
			return err
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return err
		}
	}
	o := callOpts{gen: gen, timeout: c.cfg.CommitTimeout, mutating: true}
	if undo {
		if _, _, err = c.call(ctx, op, mk("load-configuration").attr("rollback", "1").String(), o); err == nil {
			_, _, err = c.call(ctx, op, rpcCommitConfiguration(false, log), o)
		}
	} else {
		_, _, err = c.call(ctx, op, rpcCommitConfiguration(false, log), o)
	}
	if _, _, uerr := c.call(ctx, op, rpcUnlock(), callOpts{gen: gen}); uerr != nil && !errors.Is(uerr, errSessionLost) {
		c.drop(gen)
	}
	return err
}

// settleOrphan confirms a confirmed commit of xprov's user that a session which ended left
// pending, once per new session and never while a transaction of this client holds a
// confirmed commit (it settles its own). Junos only: other NETCONF servers roll a confirmed
// commit back when its session ends.
func (c *Client) settleOrphan(ctx context.Context, op string) error {
	c.mu.Lock()
	skip := !c.junos || c.settledGen == c.gen || c.ownConfirmed
	gen := c.gen
	c.mu.Unlock()
	if skip {
		return nil
	}
	h, err := c.head(ctx, op)
	if err != nil {
		return err
	}
	if c.ours(h) {
		err := c.resolvePending(ctx, op, false, "xprov: confirming a confirmed commit left pending by an ended session", false)
		if errors.Is(err, adapters.ErrLocked) {
			return nil // its session is alive; try again on the next new session
		}
		if err != nil {
			return c.errf(op, err, "the device holds a confirmed commit of %s left by an ended session; confirming it failed: %s", c.cfg.User, detail(err))
		}
		if c.cfg.Logf != nil {
			c.cfg.Logf("junos: %s: confirmed a confirmed commit of %s left pending by an ended session", c.cfg.Name, c.cfg.User)
		}
	}
	c.mu.Lock()
	if c.gen == gen {
		c.settledGen = gen
	}
	c.mu.Unlock()
	return nil
}
