package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// harness sends requests to a real server, checks each exchange against the OpenAPI document
// and records which routes were exercised.
type harness struct {
	t   *testing.T
	env *resttest.Env
	v   validator.Validator

	mu      sync.Mutex
	covered map[string]bool // "METHOD /pattern"
}

func newValidator(t *testing.T) validator.Validator {
	t.Helper()
	doc, err := libopenapi.NewDocument(rest.OpenAPI)
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		t.Fatalf("openapi validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi document: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	return v
}

func newHarness(t *testing.T, o resttest.Options) *harness {
	t.Helper()
	h := &harness{t: t, v: newValidator(t), covered: map[string]bool{}}
	// A chi route context put in place before the router lets us read the matched pattern
	// after the request (chi reuses a context it finds).
	o.Handler = func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rctx := chi.NewRouteContext()
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx)))
			if p := rctx.RoutePattern(); strings.HasPrefix(p, "/api/v1/") {
				h.mu.Lock()
				h.covered[r.Method+" "+strings.TrimPrefix(p, "/api/v1")] = true
				h.mu.Unlock()
			}
		})
	}
	h.env = resttest.New(t, o)
	return h
}

// resp is a finished exchange.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) problem(t *testing.T) rest.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json (body %s)", ct, r.Body)
	}
	var p rest.Problem
	r.json(t, &p)
	return p
}

// req describes one request.
type req struct {
	method, path, role string
	body               any // marshalled unless []byte or string
	header             map[string]string
	// unspecified marks a request the document does not describe (an unknown route).
	unspecified bool
	// badInput marks a request that is invalid on purpose even when the server accepts it
	// (the bad-input corpus): only the response is checked against the document.
	badInput bool
}

// do sends rq and validates the exchange: the response always, the request when it was meant
// to be valid (a 2xx/3xx answer; bad-input tests send invalid requests on purpose).
func (h *harness) do(t *testing.T, rq req) resp {
	t.Helper()
	var raw []byte
	switch b := rq.body.(type) {
	case nil:
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	build := func() *http.Request {
		var body io.Reader
		if raw != nil {
			body = bytes.NewReader(raw)
		}
		r, err := http.NewRequest(rq.method, h.env.Server.URL+rq.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if raw != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		if rq.role != "" {
			r.Header.Set("Authorization", "Bearer "+h.env.Tokens[rq.role])
		}
		for k, v := range rq.header {
			r.Header.Set(k, v)
		}
		return r
	}
	res, err := http.DefaultClient.Do(build())
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := resp{Status: res.StatusCode, Header: res.Header, Body: body}
	if !rq.unspecified {
		h.validate(t, build(), res, body, res.StatusCode < 400 && !rq.badInput)
	}
	return out
}

func (h *harness) validate(t *testing.T, r *http.Request, res *http.Response, body []byte, checkRequest bool) {
	t.Helper()
	if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
		return
	}
	cp := *res
	res = &cp
	res.Body = io.NopCloser(bytes.NewReader(body))
	var ok bool
	var errs []*validatorError
	if checkRequest {
		o, es := h.v.ValidateHttpRequestResponse(r, res)
		ok = o
		errs = convert(es)
	} else {
		o, es := h.v.ValidateHttpResponse(r, res)
		ok = o
		errs = convert(es)
	}
	if !ok {
		for _, e := range errs {
			t.Errorf("openapi: %s %s -> %d: %s", r.Method, r.URL.Path, res.StatusCode, e)
		}
		t.Logf("body: %s", body)
	}
}

// checkCoverage fails when a route of the server or of the document was never exercised.
func (h *harness) checkCoverage(t *testing.T) {
	t.Helper()
	var missing []string
	for _, rt := range h.env.Rest.Routes() {
		if !h.covered[rt.Method+" "+rt.Path] {
			missing = append(missing, rt.Method+" "+rt.Path)
		}
	}
	if !h.covered["GET /openapi.json"] {
		missing = append(missing, "GET /openapi.json")
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("routes never exercised: %s", strings.Join(missing, ", "))
	}
	// Every path of the document is a route of the server, and the other way round.
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rest.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	inDoc := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, rt := range h.env.Rest.Routes() {
		k := rt.Method + " " + rt.Path
		if !inDoc[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
		delete(inDoc, k)
	}
	delete(inDoc, "GET /openapi.json")
	for k := range inDoc {
		t.Errorf("openapi.json documents %s, which the server does not serve", k)
	}
}
