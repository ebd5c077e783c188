package junos

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
)

// txState is how far a transaction got on the device.
type txState int

const (
	txBegun     txState = iota
	txLocked            // candidate locked (and maybe loaded)
	txConfirmed         // commit confirmed done: running holds the change until confirmed
	txDone              // committed or rolled back
)

// tx is one transaction on the device. Its steps run on one NETCONF session: the lock and
// the confirmed commit belong to that session, so a new session in the middle means the
// device has already released the lock, discarded the candidate and (for a confirmed commit
// without persist) rolled back.
type tx struct {
	c     *Client
	state txState
	gen   int
	once  sync.Once
	log   string
	// lost says the session of the confirmed commit ended before it was confirmed or undone
	// (or its reply was lost): on Junos it may still be pending (pending.go).
	lost bool
	// expires is when the device rolls the confirmed commit back by itself.
	expires time.Time
}

// Begin starts a transaction; it waits (within ctx) while another transaction on this device
// is open.
func (c *Client) Begin(ctx context.Context) (adapters.Tx, error) {
	select {
	case c.txSem <- struct{}{}:
		return &tx{c: c}, nil
	case <-ctx.Done():
		return nil, c.errf("prepare", adapters.ErrLocked, "waiting for the previous transaction on this device: %v", ctx.Err())
	}
}

func (t *tx) end() {
	t.state = txDone
	t.once.Do(func() {
		t.c.setOwnConfirmed(false)
		<-t.c.txSem
	})
}

func (c *Client) setOwnConfirmed(on bool) {
	c.mu.Lock()
	c.ownConfirmed = on
	c.mu.Unlock()
}

// candidateGone is what a session failure before the confirmed commit means.
const candidateGone = "the candidate is discarded with the session (and its lock released), nothing was committed"

// explain adds to the message of a call whose session failed what that means for the
// transaction; other errors (the device's rpc-errors) are returned as they are.
func explain(err error, meaning string) error {
	var ae *adapters.Error
	var sf *sessionFailure
	if errors.As(err, &ae) && errors.As(err, &sf) {
		ae.Msg += "; " + meaning
	}
	return err
}

// detail is the message of an *adapters.Error of this device without its target and
// operation (they are said once, by the error that quotes it), or err's text.
func detail(err error) string {
	var ae *adapters.Error
	if errors.As(err, &ae) && ae.Msg != "" {
		return ae.Msg
	}
	return err.Error()
}

// Prepare locks the candidate, loads cs, runs a commit check and commits it confirmed.
func (t *tx) Prepare(ctx context.Context, cs config.ChangeSet, opts adapters.PrepareOptions) error {
	c := t.c
	if t.state != txBegun {
		return c.errf("prepare", errors.New("prepare called twice"), "transaction already prepared")
	}
	t.log = opts.Comment
	if err := c.connect(ctx, "prepare"); err != nil {
		return err
	}
	if err := c.settleOrphan(ctx, "prepare"); err != nil {
		return explain(err, "nothing was locked or changed")
	}
	dl := c.dialect()
	doc, err := dl.editXML(cs)
	if err != nil {
		return c.errf("prepare", adapters.ErrRejected, "render change set: %v", err)
	}
	_, gen, err := c.call(ctx, "prepare", rpcLock(), callOpts{})
	if err != nil {
		return explain(err, "nothing was locked or changed")
	}
	t.gen, t.state = gen, txLocked
	o := callOpts{gen: gen}
	if !dl.junos {
		// Deleting an absent node is an error (data-missing) with operation="delete"; drop
		// such deletes so that re-applying an inverse change set is idempotent.
		if cs, err = t.presentDeletes(ctx, cs, o); err != nil {
			return explain(err, candidateGone)
		}
		if doc, err = dl.editXML(cs); err != nil {
			return c.errf("prepare", adapters.ErrRejected, "render change set: %v", err)
		}
	}
	if !cs.Empty() {
		if _, _, err := c.call(ctx, "prepare", rpcEdit(doc), o); err != nil {
			return explain(err, candidateGone)
		}
	}
	// Commit check. On Junos commit-configuration/check answers inside <commit-results>
	// (errors nested where go-netconf does not look); elsewhere validate does the same job.
	check := rpcValidate()
	if dl.junos {
		check = rpcCommitConfiguration(true, "")
	}
	o.timeout = c.cfg.CommitTimeout
	if dl.junos || !c.cfg.SkipValidate {
		if _, _, err := c.call(ctx, "prepare", check, o); err != nil {
			return explain(err, candidateGone)
		}
	}
	secs := opts.ConfirmTimeoutSeconds
	if secs <= 0 {
		secs = int(c.cfg.ConfirmTimeout / time.Second)
	}
	o.mutating = true
	sent := time.Now()
	t.expires = sent.Add(time.Duration(secs) * time.Second)
	if _, _, err := c.call(ctx, "prepare", rpcCommitConfirmed(secs), o); err != nil {
		var ae *adapters.Error
		if errors.As(err, &ae) && errors.Is(err, adapters.ErrPossiblyApplied) && dl.junos {
			// Junos keeps a confirmed commit it took pending past the end of its session:
			// Rollback undoes it explicitly (pending.go).
			t.state, t.lost = txConfirmed, true
			c.setOwnConfirmed(true)
			return explain(err, "if the device took the confirmed commit, Junos keeps it pending until its confirm timeout although the session ended; rolling back undoes it explicitly, and the engine reads the device before going on")
		}
		if errors.As(err, &ae) && errors.Is(err, adapters.ErrPossiblyApplied) {
			// The session is gone with the timeout, and with it the confirmed commit rolls
			// back on the device (no persist); the caller still has to check.
			t.state = txDone
			t.once.Do(func() { <-c.txSem })
		}
		return explain(err, "if the device took the confirmed commit, it rolls it back by itself because its session ended (no persist); the engine reads the device before going on")
	}
	t.state = txConfirmed
	c.setOwnConfirmed(true)
	return nil
}

// Commit confirms the confirmed commit (with the run's comment on Junos) and unlocks.
func (t *tx) Commit(ctx context.Context) error {
	c := t.c
	if t.state != txConfirmed {
		return c.errf("commit", errors.New("not prepared"), "commit without a successful prepare")
	}
	if time.Now().After(t.expires) {
		// The device has rolled the change back; a confirming commit now would "succeed"
		// and commit nothing.
		t.state = txLocked
		_ = t.Rollback(ctx)
		return c.errf("commit", adapters.ErrRejected, "the confirmed commit expired before it was confirmed; the device rolled it back")
	}
	if t.lost {
		return t.confirmLost(ctx, c.errf("commit", errSessionLost, "the session of the confirmed commit ended"))
	}
	confirm := rpcCommit()
	if c.isJunos() {
		confirm = rpcCommitConfiguration(false, t.log)
	}
	_, _, err := c.call(ctx, "commit", confirm, callOpts{gen: t.gen, timeout: c.cfg.CommitTimeout, mutating: true})
	if err != nil && c.isJunos() && (errors.Is(err, errSessionLost) || errors.Is(err, adapters.ErrPossiblyApplied)) {
		return t.confirmLost(ctx, err)
	}
	if err != nil {
		if errors.Is(err, errSessionLost) {
			t.end()
			return c.errf("commit", adapters.ErrRejected, "the session ended before the confirming commit; the device rolled the confirmed commit back")
		}
		if errors.Is(err, adapters.ErrPossiblyApplied) {
			t.end()
		}
		return explain(err, "the device either confirmed the commit or, its session gone, rolls it back; the engine reads the device to know which")
	}
	_, _, uerr := c.call(ctx, "commit", rpcUnlock(), callOpts{gen: t.gen})
	t.end()
	if uerr != nil && !errors.Is(uerr, errSessionLost) {
		// The change is committed; a failed unlock only leaves the lock to the session's end.
		c.drop(t.gen)
	}
	return nil
}

// Rollback undoes what Prepare did: discard and unlock before the confirmed commit; after it,
// load rollback 1 and commit on Junos, or cancel-commit elsewhere (closing the session if the
// server has no cancel-commit, which rolls a confirmed commit back per RFC 6241 §8.4).
func (t *tx) Rollback(ctx context.Context) error {
	c := t.c
	defer t.end()
	switch t.state {
	case txDone, txBegun:
		return nil
	case txLocked:
		o := callOpts{gen: t.gen}
		if _, _, err := c.call(ctx, "rollback", rpcDiscard(), o); err != nil {
			if errors.Is(err, errSessionLost) {
				return nil // the device discarded the candidate when the session ended
			}
			c.drop(t.gen)
			return c.errf("rollback", adapters.ErrRollbackFailed, "discard-changes failed (%s); xprov closed the session, so the device discards the candidate", detail(err))
		}
		if _, _, err := c.call(ctx, "rollback", rpcUnlock(), o); err != nil && !errors.Is(err, errSessionLost) {
			c.drop(t.gen)
		}
		return nil
	}
	// txConfirmed.
	if time.Now().After(t.expires) {
		// The device already rolled back; "rollback 1" now would re-apply the change.
		t.state = txLocked
		return t.Rollback(ctx)
	}
	if t.lost {
		return t.undoLost(ctx)
	}
	o := callOpts{gen: t.gen, timeout: c.cfg.CommitTimeout, mutating: true}
	var err error
	if c.isJunos() {
		load := mk("load-configuration").attr("rollback", "1").String()
		if _, _, err = c.call(ctx, "rollback", load, o); err == nil {
			_, _, err = c.call(ctx, "rollback", rpcCommitConfiguration(false, "rollback: "+t.log), o)
		}
	} else {
		_, _, err = c.call(ctx, "rollback", mk("cancel-commit").String(), o)
		if err != nil && !errors.Is(err, errSessionLost) && !errors.Is(err, adapters.ErrPossiblyApplied) {
			// No cancel-commit on this server: ending the session rolls back instead.
			c.drop(t.gen)
			err = nil
		}
	}
	var sf *sessionFailure
	if err != nil && c.isJunos() && (errors.Is(err, errSessionLost) || errors.As(err, &sf)) {
		// The session ended (before or during the undo): the commit may still be pending.
		return t.undoLost(ctx)
	}
	if err != nil {
		if errors.Is(err, errSessionLost) {
			return nil // the confirmed commit rolled back when its session ended (RFC 6241)
		}
		c.drop(t.gen)
		return &adapters.Error{Target: c.cfg.Name, Op: "rollback", Msg: fmt.Sprintf("undoing the confirmed commit failed (%s); xprov closed the session, and the device rolls the change back by itself when its confirm timeout expires", detail(err)), Err: &sessionFailure{sentinel: adapters.ErrRollbackFailed, cause: err}}
	}
	if _, _, err := c.call(ctx, "rollback", rpcUnlock(), callOpts{gen: t.gen}); err != nil && !errors.Is(err, errSessionLost) {
		c.drop(t.gen)
	}
	return nil
}

// presentDeletes returns cs without the deletes of nodes the candidate does not hold.
func (t *tx) presentDeletes(ctx context.Context, cs config.ChangeSet, o callOpts) (config.ChangeSet, error) {
	var paths []config.Path
	for _, ch := range cs.Changes {
		if ch.Op == config.Delete {
			paths = append(paths, ch.Path)
		}
	}
	if len(paths) == 0 {
		return cs, nil
	}
	have, err := t.c.fetch(ctx, "prepare", "candidate", paths, o)
	if err != nil {
		return cs, err
	}
	present := map[string]bool{}
	for _, l := range have {
		present[l.Path.String()] = true
	}
	out := config.ChangeSet{Target: cs.Target}
	for _, ch := range cs.Changes {
		if ch.Op == config.Delete && !present[ch.Path.String()] {
			continue
		}
		out.Changes = append(out.Changes, ch)
	}
	return out, nil
}

// confirmLost confirms, on a new session, the confirmed commit whose session ended before
// its confirming commit answered (Junos keeps it pending until its deadline). cause is what
// ended the session.
func (t *tx) confirmLost(ctx context.Context, cause error) error {
	c := t.c
	defer t.end()
	h, err := c.head(ctx, "commit")
	if err != nil {
		return c.errf("commit", adapters.ErrPossiblyApplied, "%s, and the device cannot be asked now (%s); Junos keeps an unconfirmed commit pending until %s and then rolls it back; the engine reads the device to know which",
			detail(cause), detail(err), t.expires.UTC().Format(time.RFC3339))
	}
	switch {
	case c.ours(h):
		if err := c.resolvePending(ctx, "commit", false, t.log, true); err != nil {
			return c.errf("commit", adapters.ErrPossiblyApplied, "%s; confirming the pending commit on a new session failed (%s); the engine reads the device", detail(cause), detail(err))
		}
		if c.cfg.Logf != nil {
			c.cfg.Logf("junos: %s: confirmed the pending commit on a new session after: %s", c.cfg.Name, detail(cause))
		}
		return nil
	case t.log != "" && h.user == c.cfg.User && h.log == t.log:
		return nil // the confirming commit took effect before the session ended
	}
	return c.errf("commit", adapters.ErrPossiblyApplied, "%s, and the device no longer holds the confirmed commit (its confirm timeout passed, or another commit confirmed it); the engine reads the device to know which", detail(cause))
}

// undoLost undoes, on a new session, the confirmed commit whose session ended: `rollback 1`
// and a commit while it is still pending; nothing when the device no longer holds it (rolled
// back at its deadline, or never taken).
func (t *tx) undoLost(ctx context.Context) error {
	c := t.c
	h, err := c.head(ctx, "rollback")
	if err != nil {
		return &adapters.Error{Target: c.cfg.Name, Op: "rollback", Msg: fmt.Sprintf("the session of the confirmed commit ended and the device cannot be asked now (%s); Junos keeps the commit pending until %s and then rolls it back by itself", detail(err), t.expires.UTC().Format(time.RFC3339)), Err: &sessionFailure{sentinel: adapters.ErrRollbackFailed, cause: err}}
	}
	if !c.ours(h) {
		return nil
	}
	if err := c.resolvePending(ctx, "rollback", true, "rollback: "+t.log, true); err != nil {
		return &adapters.Error{Target: c.cfg.Name, Op: "rollback", Msg: fmt.Sprintf("undoing the pending confirmed commit on a new session failed (%s); Junos rolls it back by itself at %s", detail(err), t.expires.UTC().Format(time.RFC3339)), Err: &sessionFailure{sentinel: adapters.ErrRollbackFailed, cause: err}}
	}
	if c.cfg.Logf != nil {
		c.cfg.Logf("junos: %s: undid the pending confirmed commit on a new session", c.cfg.Name)
	}
	return nil
}
