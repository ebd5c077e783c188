package rest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// corpusDir holds the bad-input corpus: bodies.txtar (sent to every write route),
// content-types.txt (sent to every write route, each a 415) and cases.txtar (route-specific).
const corpusDir = "testdata/badinput"

// sensible are the statuses bad input may get: success (the input was fine after all) or a
// 4xx that says what is wrong. 401, 403 and 429 would be the harness's fault; 5xx the server's.
var sensible = map[int]bool{200: true, 201: true, 202: true, 204: true, 400: true, 404: true, 405: true,
	409: true, 412: true, 413: true, 415: true, 422: true, 428: true}

// corpusBody reads one section of bodies.txtar (see its header for the suffixes).
func corpusBody(t *testing.T, f txtar.File) (name string, body []byte) {
	t.Helper()
	data := bytes.TrimSuffix(f.Data, []byte("\n"))
	switch {
	case strings.HasSuffix(f.Name, ".q"):
		s, err := strconv.Unquote(string(data))
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		return strings.TrimSuffix(f.Name, ".q"), []byte(s)
	case strings.HasSuffix(f.Name, ".gen"):
		var b bytes.Buffer
		for line := range strings.SplitSeq(string(data), "\n") {
			verb, rest, _ := strings.Cut(line, " ")
			switch verb {
			case "text":
				b.WriteString(rest)
			case "repeat":
				n, s, _ := strings.Cut(rest, " ")
				k, err := strconv.Atoi(n)
				if err != nil {
					t.Fatalf("%s: %q: %v", f.Name, line, err)
				}
				b.WriteString(strings.Repeat(s, k))
			default:
				t.Fatalf("%s: unknown line %q", f.Name, line)
			}
		}
		return strings.TrimSuffix(f.Name, ".gen"), b.Bytes()
	}
	return f.Name, data
}

// writeRoute is a write route of the API with the path the corpus sends to.
type writeRoute struct {
	method, path, role string
	// versioned routes get the service's current ETag in If-Match.
	versioned bool
}

// corpusStats counts what the corpus did.
type corpusStats struct {
	cases    int
	byStatus map[int]int
	byRoute  map[string]int
}

// TestBadInputCorpus sends the bad-input corpus in testdata/badinput to every write route of
// the API and checks each answer: never a 5xx, every error an application/problem+json with a
// sensible status (and the status a case names), every exchange as openapi.json says, and the
// server healthy afterwards. It logs the figures (cases, status distribution).
func TestBadInputCorpus(t *testing.T) {
	h := newHarness(t, resttest.Options{Rest: func(o *rest.Options) {
		o.RateLimit = &rest.RateLimiter{Rate: 1e6, Burst: 1e6}
	}})
	// What the placeholders name: a service, a finished run, a plan.
	svc := h.create(t, "corpus-1", eline("acme", 150, "pe1:ge-0/0/2", "sr1:1/1/2"))
	var plan engine.Plan
	r := h.do(t, req{method: "POST", path: "/api/v1/services?dry_run=true", role: operator,
		body: map[string]any{"type": "eline", "id": "corpus-plan", "intent": eline("acme", 151, "pe2:ge-0/0/1", "sr2:1/1/1")}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &plan)
	etag := func() string {
		r := h.do(t, req{method: "GET", path: "/api/v1/services/" + svc.ID, role: viewer})
		if r.Status != http.StatusOK {
			return `"1"`
		}
		return r.Header.Get("ETag")
	}
	expand := func(s string) string {
		return strings.NewReplacer("{svc}", svc.ID, "{run}", svc.LastRun, "{plan}", plan.ID, "{etag}", etag()).Replace(s)
	}

	routes := []writeRoute{
		{"POST", "/api/v1/services", operator, false},
		{"POST", "/api/v1/services?dry_run=true", operator, false},
		{"PUT", "/api/v1/services/{svc}", operator, true},
		{"PUT", "/api/v1/services/{svc}?dry_run=true", operator, true},
		{"DELETE", "/api/v1/services/{svc}?dry_run=true", operator, true},
		{"POST", "/api/v1/services/{svc}/redeploy?dry_run=true", operator, true},
		{"POST", "/api/v1/services/{svc}/audit", operator, false},
		{"POST", "/api/v1/services/{svc}/ops/show_config", operator, false},
		{"POST", "/api/v1/plans/{plan}/apply", operator, false},
		{"POST", "/api/v1/runs/{run}/cancel", operator, false},
		{"POST", "/api/v1/types/eline/validate", viewer, false},
		{"POST", "/api/v1/types/reload", designer, false},
		{"POST", "/api/v1/tokens", admin, false},
		{"DELETE", "/api/v1/tokens/tok-nope", admin, false},
		{"POST", "/api/v1/devices/discover", operator, false},
		{"POST", "/api/v1/devices/pe1/ops", operator, false},
		{"POST", "/api/v1/session", viewer, false},
		{"DELETE", "/api/v1/session", viewer, false},
		{"POST", "/api/v1/audits?wait=true", operator, false},
		{"POST", "/api/v1/audit-schedules", operator, false},
		{"DELETE", "/api/v1/audit-schedules/sched-nope", operator, false},
		{"POST", "/api/v1/audit-targets/check", operator, false},
		{"POST", "/api/v1/customers", operator, false},
		{"POST", "/api/v1/services/{svc}/clone?dry_run=true", operator, false},
		{"PUT", "/api/v1/customers/corpus-cust", operator, false},
		{"DELETE", "/api/v1/customers/corpus-cust", operator, false},
	}
	st := &corpusStats{byStatus: map[int]int{}, byRoute: map[string]int{}}
	send := func(t *testing.T, what string, rq req, want []int) {
		t.Helper()
		st.cases++
		rq.badInput = true
		res := h.do(t, rq)
		st.byStatus[res.Status]++
		st.byRoute[rq.method+" "+rq.path]++
		switch {
		case res.Status >= 500:
			t.Errorf("%s: %s %s: %d %s", what, rq.method, rq.path, res.Status, res.Body)
			return
		case !sensible[res.Status]:
			t.Errorf("%s: %s %s: status %d is not a sensible answer to bad input: %s", what, rq.method, rq.path, res.Status, res.Body)
			return
		case want != nil && !slices.Contains(want, res.Status):
			t.Errorf("%s: %s %s: status %d, want %v: %.300s", what, rq.method, rq.path, res.Status, want, res.Body)
		}
		if res.Status >= 400 {
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s: %s %s: %d with Content-Type %q", what, rq.method, rq.path, res.Status, ct)
				return
			}
			p := res.problem(t)
			if p.Status != res.Status || p.Type == "" || p.Title == "" {
				t.Errorf("%s: %s %s: problem %+v for a %d", what, rq.method, rq.path, p, res.Status)
			}
			if strings.Contains(p.Detail, "Go struct") || strings.Contains(p.Detail, "json: ") {
				t.Errorf("%s: %s %s: Go internals in %q", what, rq.method, rq.path, p.Detail)
			}
		}
	}

	// 1. Every body to every write route.
	ar, err := txtar.ParseFile(filepath.Join(corpusDir, "bodies.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		name, body := corpusBody(t, f)
		for _, rt := range routes {
			rq := req{method: rt.method, path: expand(rt.path), role: rt.role, body: body}
			if rt.versioned {
				rq.header = map[string]string{"If-Match": etag()}
			}
			send(t, name, rq, nil)
		}
	}
	nBodies := len(ar.Files)

	// 2. Every wrong Content-Type to every write route: 415.
	cts, err := os.ReadFile(filepath.Join(corpusDir, "content-types.txt"))
	if err != nil {
		t.Fatal(err)
	}
	nTypes := 0
	sc := bufio.NewScanner(bytes.NewReader(cts))
	for sc.Scan() {
		ct := sc.Text()
		if ct == "" || strings.HasPrefix(ct, "#") {
			continue
		}
		nTypes++
		for _, rt := range routes {
			rq := req{method: rt.method, path: expand(rt.path), role: rt.role, body: `{}`, header: map[string]string{"Content-Type": ct}}
			if ct == "(none)" {
				rq.header["Content-Type"] = ""
			}
			send(t, "Content-Type "+ct, rq, []int{http.StatusUnsupportedMediaType})
		}
	}

	// 3. Route-specific cases, with the status each names.
	ar, err = txtar.ParseFile(filepath.Join(corpusDir, "cases.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{"/api/v1/tokens": admin, "/api/v1/types/reload": designer}
	for i, f := range ar.Files {
		spec, statuses, ok := strings.Cut(f.Name, " => ")
		method, path, ok2 := strings.Cut(spec, " ")
		if !ok || !ok2 {
			t.Fatalf("cases.txtar: section %q is not METHOD PATH => STATUS", f.Name)
		}
		var want []int
		for s := range strings.SplitSeq(statuses, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				t.Fatalf("cases.txtar: section %q: %v", f.Name, err)
			}
			want = append(want, n)
		}
		rq := req{method: method, path: expand(path), role: operator, header: map[string]string{}}
		if r, ok := roles[strings.SplitN(rq.path, "?", 2)[0]]; ok || strings.HasPrefix(rq.path, "/api/v1/tokens/") {
			rq.role = cmp(r, admin)
		}
		data := string(f.Data)
		quoted := false
		for strings.HasPrefix(data, "@") {
			line, rest, _ := strings.Cut(data, "\n")
			data = rest
			if line == "@quoted" {
				quoted = true
				continue
			}
			k, v, _ := strings.Cut(line[1:], ":")
			rq.header[k] = expand(strings.TrimSpace(v))
		}
		data = strings.TrimSuffix(data, "\n")
		if quoted {
			if data, err = strconv.Unquote(data); err != nil {
				t.Fatalf("cases.txtar: section %q: %v", f.Name, err)
			}
		}
		if data != "" {
			rq.body = data
		}
		send(t, fmt.Sprintf("cases.txtar #%d", i+1), rq, want)
	}
	nCases := len(ar.Files)

	// Every write route of the server got the corpus.
	for _, rt := range h.env.Rest.Routes() {
		if rt.Method != http.MethodGet && !h.covered[rt.Method+" "+rt.Path] {
			t.Errorf("write route %s %s got no bad input", rt.Method, rt.Path)
		}
	}

	// The server is healthy: probes answer and a service goes through its life.
	wantStatus(t, h.do(t, req{method: "GET", path: "/healthz"}), http.StatusOK)
	wantStatus(t, h.do(t, req{method: "GET", path: "/readyz"}), http.StatusOK)
	after := h.create(t, "corpus-after", eline("acme", 160, "pe1:ge-0/0/3", "sr1:1/1/1"))
	if after.State != store.StateActive {
		t.Fatalf("a service after the corpus: %+v", after)
	}
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/services/corpus-after?wait=true", role: operator,
		header: map[string]string{"If-Match": etagOf(after.Version)}}), http.StatusOK)

	var dist []string
	var codes []int
	for c := range st.byStatus {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		dist = append(dist, fmt.Sprintf("%d x %d", st.byStatus[c], c))
	}
	t.Logf("bad-input corpus: %d requests (%d bodies and %d content types x %d write routes, %d route cases); statuses: %s",
		st.cases, nBodies, nTypes, len(routes), nCases, strings.Join(dist, ", "))
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
