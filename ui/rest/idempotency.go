package rest

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"sync"
	"time"
)

// idempotency remembers the responses of creates sent with an Idempotency-Key, in memory, for
// a TTL. The same key with the same request replays the first response (the same run); the
// same key with another request is a 409. Concurrent requests with one key wait for the first.
// Only 2xx responses are kept, so a request that failed can be retried with its key.
//
// Keys live in process memory: a restart forgets them (a store table would keep them; see the
// report).
type idempotency struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*idemEntry
	sweep   time.Time
}

type idemEntry struct {
	fingerprint [32]byte
	done        chan struct{} // closed when the first request finished
	expires     time.Time
	// The first response; ok is false while running or when it was not kept.
	ok     bool
	status int
	header http.Header
	body   []byte
}

func newIdempotency(ttl time.Duration, now func() time.Time) *idempotency {
	if now == nil {
		now = time.Now
	}
	return &idempotency{ttl: ttl, now: now, entries: map[string]*idemEntry{}}
}

// serve runs fn once per key: later requests with the key replay its response.
func (c *idempotency) serve(w http.ResponseWriter, r *http.Request, key, request string, fn func(w http.ResponseWriter)) {
	fp := sha256.Sum256([]byte(request))
	for {
		c.mu.Lock()
		now := c.now()
		if now.Sub(c.sweep) > time.Minute {
			for k, e := range c.entries {
				if e.ok && now.After(e.expires) {
					delete(c.entries, k)
				}
			}
			c.sweep = now
		}
		e, found := c.entries[key]
		if found && e.ok && now.After(e.expires) {
			delete(c.entries, key)
			found = false
		}
		if !found {
			e = &idemEntry{fingerprint: fp, done: make(chan struct{})}
			c.entries[key] = e
			c.mu.Unlock()
			c.first(w, key, e, fn)
			return
		}
		c.mu.Unlock()
		if e.fingerprint != fp {
			writeProblem(w, r, Problem{Type: ProblemTypeBase + "idempotency-key-reused", Title: http.StatusText(http.StatusConflict),
				Status: http.StatusConflict, Detail: "this Idempotency-Key was used with another request"})
			return
		}
		select {
		case <-e.done:
		case <-r.Context().Done():
			return
		}
		if e.ok {
			for k, v := range e.header {
				w.Header()[k] = v
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(e.status)
			_, _ = w.Write(e.body)
			return
		}
		// The first request was not kept (it failed); try again as a first request.
	}
}

func (c *idempotency) first(w http.ResponseWriter, key string, e *idemEntry, fn func(w http.ResponseWriter)) {
	rec := &recorder{header: http.Header{}}
	defer func() {
		c.mu.Lock()
		if rec.status >= 200 && rec.status < 300 {
			e.ok, e.status, e.header, e.body = true, rec.status, rec.header, rec.buf.Bytes()
			e.expires = c.now().Add(c.ttl)
		} else {
			delete(c.entries, key)
		}
		close(e.done)
		c.mu.Unlock()
	}()
	fn(rec)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.buf.Bytes())
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
