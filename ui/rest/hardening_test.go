package rest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// bearer sends one request with a bearer token (any string) and returns the exchange.
func bearer(t *testing.T, h *harness, method, path, token string, body any) resp {
	t.Helper()
	rq := req{method: method, path: path, body: body}
	if token != "" {
		rq.header = map[string]string{"Authorization": "Bearer " + token}
	}
	return h.do(t, rq)
}

// TestAuthFailureLimit: failed authentications are limited per client address before the
// token is checked (issue 15, item 4): a burst of bad tokens gets 401s, then 429 problem+json
// with Retry-After, for bad and good tokens alike from that address; other addresses are not
// affected, and the address may try again once its bucket refilled.
func TestAuthFailureLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := newHarness(t, resttest.Options{Rest: func(o *rest.Options) {
		o.AuthFailureLimit = &rest.RateLimiter{Rate: 1, Burst: 20, Now: clock}
	}})
	codes := map[int]int{}
	for i := range 300 {
		r := bearer(t, h, "GET", "/api/v1/me", "xp_guess"+strconv.Itoa(i), nil)
		codes[r.Status]++
		if r.Status == http.StatusTooManyRequests {
			if p := r.problem(t); p.Type != rest.ProblemTypeBase+"rate-limited" {
				t.Fatalf("429 problem %+v", p)
			}
			if ra, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
			}
		}
	}
	if codes[http.StatusUnauthorized] != 20 || codes[http.StatusTooManyRequests] != 280 || len(codes) != 2 {
		t.Fatalf("300 bad tokens: %v, want 20 x 401 and 280 x 429", codes)
	}
	// While the address is limited even a good token waits: its token is not checked.
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", h.env.Tokens["viewer"], nil), http.StatusTooManyRequests)

	// Another address is not affected (the handler directly, with another RemoteAddr), and
	// a new port of the limited address is the same address.
	for _, tc := range []struct {
		addr string
		want int
	}{
		{"192.0.2.7:40000", http.StatusOK},
		{"127.0.0.1:1", http.StatusTooManyRequests},
		{"[::1]:5", http.StatusOK},
	} {
		rq := httptest.NewRequest("GET", "/api/v1/me", nil)
		rq.RemoteAddr = tc.addr
		rq.Header.Set("Authorization", "Bearer "+h.env.Tokens["viewer"])
		w := httptest.NewRecorder()
		h.env.Rest.Handler().ServeHTTP(w, rq)
		if w.Code != tc.want {
			t.Errorf("from %s: %d, want %d", tc.addr, w.Code, tc.want)
		}
	}

	// A second later one failure is allowed again, and a good token works.
	advance(time.Second)
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", h.env.Tokens["viewer"], nil), http.StatusOK)
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", "xp_guess", nil), http.StatusUnauthorized)
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", "xp_guess", nil), http.StatusTooManyRequests)
	// Successful requests never use the failure budget.
	advance(time.Minute)
	for range 50 {
		wantStatus(t, bearer(t, h, "GET", "/api/v1/me", h.env.Tokens["viewer"], nil), http.StatusOK)
	}
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", "xp_guess", nil), http.StatusUnauthorized)
}

// TestLastAdmin: the last active admin token cannot be revoked, not even by itself (issue 15,
// item 5): 409 last-admin. With a second admin it can, and then the second is the last.
func TestLastAdmin(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	var me rest.Principal
	h.do(t, req{method: "GET", path: "/api/v1/me", role: admin}).json(t, &me)
	p := h.do(t, req{method: "DELETE", path: "/api/v1/tokens/" + me.TokenID, role: admin}).problem(t)
	if p.Status != http.StatusConflict || p.Type != rest.ProblemTypeBase+"last-admin" || !strings.Contains(p.Detail, "xprov token create --db") {
		t.Fatalf("revoke the last admin: %+v", p)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/me", role: admin}), http.StatusOK)

	var second rest.TokenCreated
	r := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "admin-2", "role": "admin"}})
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &second)
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/tokens/" + me.TokenID, role: admin}), http.StatusNoContent)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/me", role: admin}), http.StatusUnauthorized)
	p = bearer(t, h, "DELETE", "/api/v1/tokens/"+second.ID, second.Token, nil).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("revoke the new last admin: %+v", p)
	}
}

// TestTokenNames: names are validated (printable, at most 64 characters) at /name and unique
// among active tokens, 409 with a readable detail (issue 15, item 6); a revoked token's name
// is free again.
func TestTokenNames(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	tests := []struct {
		name string
		want int
	}{
		{"ci", http.StatusCreated},
		{"ci", http.StatusConflict},
		{"CI pipeline – prod", http.StatusCreated},
		{strings.Repeat("n", 64), http.StatusCreated},
		{strings.Repeat("n", 65), http.StatusUnprocessableEntity},
		{strings.Repeat("n", 900_000), http.StatusUnprocessableEntity},
		{"", http.StatusUnprocessableEntity},
		{"line\nbreak", http.StatusUnprocessableEntity},
		{"nul\x00", http.StatusUnprocessableEntity},
		{"\x1b[2Jclear", http.StatusUnprocessableEntity},
		{" space", http.StatusUnprocessableEntity},
	}
	for i, tc := range tests {
		r := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": tc.name, "role": "viewer"}})
		if r.Status != tc.want {
			t.Fatalf("%d: name %.30q: %d, want %d; body %.300s", i, tc.name, r.Status, tc.want, r.Body)
		}
		switch tc.want {
		case http.StatusUnprocessableEntity:
			p := r.problem(t)
			if len(p.Errors) != 1 || p.Errors[0].Pointer != "/name" {
				t.Errorf("%d: %+v", i, p)
			}
			if len(r.Body) > 1000 {
				t.Errorf("%d: the refusal is %d bytes", i, len(r.Body))
			}
		case http.StatusConflict:
			if p := r.problem(t); p.Type != rest.ProblemTypeBase+"exists" || !strings.Contains(p.Detail, `"ci"`) {
				t.Errorf("%d: %+v", i, p)
			}
		}
	}
	var toks struct{ Items []rest.TokenInfo }
	h.do(t, req{method: "GET", path: "/api/v1/tokens", role: admin}).json(t, &toks)
	for _, tk := range toks.Items {
		if tk.Name == "ci" {
			wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/tokens/" + tk.ID, role: admin}), http.StatusNoContent)
		}
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "ci", "role": "viewer"}}), http.StatusCreated)
}

// TestIdempotencyScopedByToken: an Idempotency-Key belongs to the token that used it, not to
// its name (issue 15, item 6): a new token with the name of a revoked one does not get the
// old token's response replayed; its own retries are.
func TestIdempotencyScopedByToken(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	issue := func() rest.TokenCreated {
		var tok rest.TokenCreated
		r := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "twin", "role": "operator"}})
		wantStatus(t, r, http.StatusCreated)
		r.json(t, &tok)
		return tok
	}
	post := func(tok, id string, vlan int) resp {
		return h.do(t, req{method: "POST", path: "/api/v1/services", body: map[string]any{"type": "eline", "id": id,
			"intent": eline("twin", vlan, "pe1:ge-0/0/1", "sr1:1/1/1")},
			header: map[string]string{"Authorization": "Bearer " + tok, "Idempotency-Key": "same-key"}})
	}
	first := issue()
	r1 := post(first.Token, "twin-1", 301)
	wantStatus(t, r1, http.StatusAccepted)
	var run1 store.Run
	r1.json(t, &run1)
	if _, err := h.env.Engine.Wait(t.Context(), run1.ID); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/tokens/" + first.ID, role: admin}), http.StatusNoContent)

	second := issue()
	r2 := post(second.Token, "twin-2", 302)
	wantStatus(t, r2, http.StatusAccepted)
	var run2 store.Run
	r2.json(t, &run2)
	if r2.Header.Get("Idempotent-Replayed") != "" || run2.ID == run1.ID {
		t.Fatalf("a token of the same name got another token's response replayed: run %s (first %s)", run2.ID, run1.ID)
	}
	r3 := post(second.Token, "twin-2", 302)
	var run3 store.Run
	r3.json(t, &run3)
	if r3.Header.Get("Idempotent-Replayed") != "true" || run3.ID != run2.ID {
		t.Fatalf("own retry: %d %s, want the replay of %s", r3.Status, r3.Body, run2.ID)
	}
	if _, err := h.env.Engine.Wait(t.Context(), run2.ID); err != nil {
		t.Fatal(err)
	}
}

// TestTokenExpiry: a token created with expires_in or expires_at works until then, is refused
// with 401 after it and listed as expired; bad expiries are 422 with their pointer.
func TestTokenExpiry(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	tests := []struct {
		name    string
		body    map[string]any
		want    int
		pointer string
	}{
		{"expires_in", map[string]any{"name": "short", "role": "viewer", "expires_in": "700ms"}, http.StatusCreated, ""},
		{"expires_at", map[string]any{"name": "dated", "role": "viewer", "expires_at": at.Format(time.RFC3339)}, http.StatusCreated, ""},
		{"never", map[string]any{"name": "forever", "role": "viewer"}, http.StatusCreated, ""},
		{"not a duration", map[string]any{"name": "x1", "role": "viewer", "expires_in": "30 days"}, http.StatusUnprocessableEntity, "/expires_in"},
		{"negative", map[string]any{"name": "x2", "role": "viewer", "expires_in": "-1h"}, http.StatusUnprocessableEntity, "/expires_in"},
		{"too long", map[string]any{"name": "x3", "role": "viewer", "expires_in": "100000h"}, http.StatusUnprocessableEntity, "/expires_in"},
		{"in the past", map[string]any{"name": "x4", "role": "viewer", "expires_at": "2020-01-01T00:00:00Z"}, http.StatusUnprocessableEntity, "/expires_at"},
		{"both", map[string]any{"name": "x5", "role": "viewer", "expires_in": "1h", "expires_at": at.Format(time.RFC3339)}, http.StatusUnprocessableEntity, "/expires_at"},
	}
	created := map[string]rest.TokenCreated{}
	for _, tc := range tests {
		r := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: tc.body})
		if r.Status != tc.want {
			t.Fatalf("%s: %d, want %d; %s", tc.name, r.Status, tc.want, r.Body)
		}
		if tc.want == http.StatusCreated {
			var tok rest.TokenCreated
			r.json(t, &tok)
			created[tok.Name] = tok
			continue
		}
		if p := r.problem(t); len(p.Errors) != 1 || p.Errors[0].Pointer != tc.pointer {
			t.Errorf("%s: %+v, want one error at %s", tc.name, p, tc.pointer)
		}
	}
	if e := created["dated"].Expires; e == nil || !e.Equal(at) {
		t.Fatalf("expires_at: %v, want %v", e, at)
	}
	if created["forever"].Expires != nil {
		t.Fatalf("a token without expiry expires at %v", created["forever"].Expires)
	}
	short := created["short"]
	if short.Expires == nil || time.Until(*short.Expires) > time.Second {
		t.Fatalf("expires_in: %v", short.Expires)
	}
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", short.Token, nil), http.StatusOK)
	time.Sleep(time.Until(*short.Expires) + 20*time.Millisecond)
	r := bearer(t, h, "GET", "/api/v1/me", short.Token, nil)
	if p := r.problem(t); p.Status != http.StatusUnauthorized || !strings.Contains(p.Detail, "expired") {
		t.Fatalf("expired token: %+v", p)
	}
	wantStatus(t, bearer(t, h, "GET", "/api/v1/me", created["dated"].Token, nil), http.StatusOK)
	var toks struct{ Items []rest.TokenInfo }
	h.do(t, req{method: "GET", path: "/api/v1/tokens", role: admin}).json(t, &toks)
	states := map[string]string{}
	for _, tk := range toks.Items {
		states[tk.Name] = tk.State
	}
	if states["short"] != store.TokenExpired || states["dated"] != store.TokenActive || states["forever"] != store.TokenActive {
		t.Fatalf("listed states %v", states)
	}
}

// failingStore is the store with every write refused while full is set, as SQLite's are on a
// full disk. Reads pass through.
type failingStore struct {
	resttest.Store
	full atomic.Bool
}

var errDiskFull = errors.New("database or disk is full (13)")

func (f *failingStore) fail() error {
	if f.full.Load() {
		return errDiskFull
	}
	return nil
}

func (f *failingStore) CreateRun(ctx context.Context, r store.Run) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.CreateRun(ctx, r)
}
func (f *failingStore) UpdateRun(ctx context.Context, r store.Run) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.UpdateRun(ctx, r)
}
func (f *failingStore) UpdateRuns(ctx context.Context, rs []store.Run, evs []store.Event) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.UpdateRuns(ctx, rs, evs)
}
func (f *failingStore) AppendEvent(ctx context.Context, e store.Event) (int64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.AppendEvent(ctx, e)
}
func (f *failingStore) AppendJournal(ctx context.Context, es ...store.JournalEntry) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.AppendJournal(ctx, es...)
}
func (f *failingStore) SavePlan(ctx context.Context, p store.Plan) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.SavePlan(ctx, p)
}
func (f *failingStore) PutDevices(ctx context.Context, ds []store.Device) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.PutDevices(ctx, ds)
}
func (f *failingStore) IssueToken(ctx context.Context, spec store.TokenSpec) (string, store.Token, error) {
	if err := f.fail(); err != nil {
		return "", store.Token{}, err
	}
	return f.Store.IssueToken(ctx, spec)
}
func (f *failingStore) RevokeToken(ctx context.Context, id string) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.RevokeToken(ctx, id)
}
func (f *failingStore) AppendAudit(ctx context.Context, e store.AuditEntry) (int64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.AppendAudit(ctx, e)
}
func (f *failingStore) PutIdempotency(ctx context.Context, r store.IdempotencyRecord) error {
	if err := f.fail(); err != nil {
		return err
	}
	return f.Store.PutIdempotency(ctx, r)
}
func (f *failingStore) PruneIdempotency(ctx context.Context, now time.Time) (int64, error) {
	if err := f.fail(); err != nil {
		return 0, err
	}
	return f.Store.PruneIdempotency(ctx, now)
}

// TestStoreRefusesWrites: with a store that refuses every write (issue 15, item 11), reads
// keep working, writes answer 503 problem+json store-unavailable (not a generic 500), and
// /readyz is 503 until the store writes again.
func TestStoreRefusesWrites(t *testing.T) {
	var fs *failingStore
	h := newHarness(t, resttest.Options{
		Store: func(st *store.SQLite) resttest.Store {
			fs = &failingStore{Store: st}
			return fs
		},
		// As ui/server wires it: unready while the engine refuses changes.
		Rest: func(o *rest.Options) {
			eng := o.Engine.(*engine.Engine)
			o.Ready = func(context.Context) error { return eng.Ready() }
		},
	})
	h.create(t, "disk-1", eline("disk", 401, "pe1:ge-0/0/1", "sr1:1/1/1"))
	var me rest.Principal
	h.do(t, req{method: "GET", path: "/api/v1/me", role: operator}).json(t, &me)

	readyz := func() int {
		res, err := http.Get(h.env.Server.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	fs.full.Store(true)
	for _, rq := range []req{
		{method: "GET", path: "/api/v1/me", role: viewer},
		{method: "GET", path: "/api/v1/services", role: viewer},
		{method: "GET", path: "/api/v1/services/disk-1", role: viewer},
		{method: "GET", path: "/api/v1/runs", role: viewer},
		{method: "GET", path: "/api/v1/tokens", role: admin},
		{method: "GET", path: "/api/v1/devices", role: viewer},
	} {
		wantStatus(t, h.do(t, rq), http.StatusOK)
	}
	// The token write first: the engine has not seen a failure yet, so readiness must come
	// from the REST layer's own write.
	for i, rq := range []req{
		{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "disk", "role": "viewer"}},
		{method: "DELETE", path: "/api/v1/tokens/" + me.TokenID, role: admin},
		{method: "POST", path: "/api/v1/services", role: operator, body: map[string]any{"type": "eline", "id": "disk-2",
			"intent": eline("disk", 402, "pe1:ge-0/0/2", "sr1:1/1/2")}},
		{method: "DELETE", path: "/api/v1/services/disk-1", role: operator, header: map[string]string{"If-Match": "*"}},
		{method: "POST", path: "/api/v1/devices/discover", role: operator, body: map[string]any{}},
	} {
		p := h.do(t, rq).problem(t)
		if p.Status != http.StatusServiceUnavailable || p.Type != rest.ProblemTypeBase+"store-unavailable" {
			t.Fatalf("%d: %s %s with an unwritable store: %+v", i, rq.method, rq.path, p)
		}
		if i == 0 {
			if got := readyz(); got != http.StatusServiceUnavailable {
				t.Fatalf("/readyz after a refused token write: %d", got)
			}
		}
	}
	if got := readyz(); got != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with an unwritable store: %d", got)
	}

	fs.full.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for readyz() != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("/readyz stays 503 after the store writes again")
		}
		time.Sleep(50 * time.Millisecond)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "disk", "role": "viewer"}}), http.StatusCreated)
	h.create(t, "disk-3", eline("disk", 403, "pe1:ge-0/0/3", "sr1:1/1/2"))
}
