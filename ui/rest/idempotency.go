package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// idempotency serves creates sent with an Idempotency-Key. The same key with the same request
// replays the first response (the same run); the same key with another request is a 409.
// Finished 2xx responses are kept in the store for a TTL, so a retry after a restart still
// gets the same run; only requests in flight are tracked in memory, so that concurrent
// requests with one key wait for the first. A request that failed is not kept and can be
// retried with its key. Expired records are pruned at most once a minute.
type idempotency struct {
	st  store.Idempotency
	ttl time.Duration
	now func() time.Time
	log *slog.Logger

	mu       sync.Mutex
	inflight map[idemKey]*idemFlight
	sweep    time.Time
}

type idemKey struct{ user, key string }

// idemFlight is a first request in progress.
type idemFlight struct {
	fingerprint [32]byte
	done        chan struct{} // closed when the first request finished (and was kept or not)
}

func newIdempotency(st store.Idempotency, ttl time.Duration, now func() time.Time, log *slog.Logger) *idempotency {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &idempotency{st: st, ttl: ttl, now: now, log: log, inflight: map[idemKey]*idemFlight{}}
}

// serve runs fn once per (user, key): later requests with the key replay its response.
func (c *idempotency) serve(w http.ResponseWriter, r *http.Request, user, key, request string, fn func(w http.ResponseWriter)) {
	ctx := r.Context()
	fp := sha256.Sum256([]byte(request))
	k := idemKey{user, key}
	c.prune(ctx)
	for {
		c.mu.Lock()
		f, busy := c.inflight[k]
		if busy {
			c.mu.Unlock()
			if f.fingerprint != fp {
				writeKeyReused(w, r)
				return
			}
			select {
			case <-f.done:
				continue // kept (replayed from the store below) or failed (run again)
			case <-ctx.Done():
				return
			}
		}
		// Not in flight here: a kept response (from before a restart too) is replayed.
		rec, err := c.st.GetIdempotency(ctx, user, key, c.now())
		switch {
		case err == nil:
			c.mu.Unlock()
			if !bytes.Equal(rec.Fingerprint, fp[:]) {
				writeKeyReused(w, r)
				return
			}
			replay(w, rec)
			return
		case !errors.Is(err, store.ErrNotFound):
			c.mu.Unlock()
			writeProblem(w, r, problemFor(err))
			return
		}
		f = &idemFlight{fingerprint: fp, done: make(chan struct{})}
		c.inflight[k] = f
		c.mu.Unlock()
		c.first(w, r, k, f, fn)
		return
	}
}

// first runs the request and keeps a 2xx response before waiters are released.
func (c *idempotency) first(w http.ResponseWriter, r *http.Request, k idemKey, f *idemFlight, fn func(w http.ResponseWriter)) {
	rec := &recorder{header: http.Header{}}
	defer func() {
		c.mu.Lock()
		delete(c.inflight, k)
		close(f.done)
		c.mu.Unlock()
	}()
	fn(rec)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.status >= 200 && rec.status < 300 {
		now := c.now()
		err := c.st.PutIdempotency(context.WithoutCancel(r.Context()), store.IdempotencyRecord{User: k.user, Key: k.key,
			Fingerprint: f.fingerprint[:], Status: rec.status, Header: rec.header.Clone(), Body: rec.buf.Bytes(),
			Created: now, Expires: now.Add(c.ttl)})
		if err != nil {
			// The response stands; only a retry of it would run again.
			c.log.ErrorContext(r.Context(), "idempotency: keep response", "key", k.key, "err", err)
		}
	}
	for h, v := range rec.header {
		w.Header()[h] = v
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.buf.Bytes())
}

// prune deletes expired records, at most once a minute.
func (c *idempotency) prune(ctx context.Context) {
	c.mu.Lock()
	now := c.now()
	due := now.Sub(c.sweep) > time.Minute
	if due {
		c.sweep = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	if _, err := c.st.PruneIdempotency(context.WithoutCancel(ctx), now); err != nil {
		c.log.WarnContext(ctx, "idempotency: prune", "err", err)
	}
}

func replay(w http.ResponseWriter, rec store.IdempotencyRecord) {
	for k, v := range rec.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.Status)
	_, _ = w.Write(rec.Body)
}

func writeKeyReused(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, Problem{Type: ProblemTypeBase + "idempotency-key-reused", Title: http.StatusText(http.StatusConflict),
		Status: http.StatusConflict, Detail: "this Idempotency-Key was used with another request"})
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(b)
}
