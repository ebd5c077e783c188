package rest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
	"github.com/xprov/xprov/ui/rest/resttest"
)

const (
	admin    = store.RoleAdmin
	designer = store.RoleDesigner
	operator = store.RoleOperator
	viewer   = store.RoleViewer
)

func eline(customer string, vlan int, a, b string) map[string]any {
	return resttest.ELine(customer, vlan, a, b)
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
}

// create makes a service and waits for its run.
func (h *harness) create(t *testing.T, id string, intent map[string]any) store.Service {
	t.Helper()
	r := h.do(t, req{method: "POST", path: "/api/v1/services?wait=true", role: operator,
		body: map[string]any{"type": "eline", "id": id, "intent": intent}})
	wantStatus(t, r, http.StatusOK)
	var svc store.Service
	h.do(t, req{method: "GET", path: "/api/v1/services/" + id, role: viewer}).json(t, &svc)
	return svc
}

// TestAPI walks every route through its main cases against one server, validating every
// exchange against the OpenAPI document, then checks that every route was exercised.
func TestAPI(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	t.Run("meta", func(t *testing.T) { testMeta(t, h) })
	t.Run("types", func(t *testing.T) { testTypes(t, h) })
	t.Run("lifecycle", func(t *testing.T) { testLifecycle(t, h) })
	t.Run("bad input", func(t *testing.T) { testBadInput(t, h) })
	t.Run("plans", func(t *testing.T) { testPlans(t, h) })
	t.Run("idempotency", func(t *testing.T) { testIdempotency(t, h) })
	t.Run("list", func(t *testing.T) { testList(t, h) })
	t.Run("runs", func(t *testing.T) { testRuns(t, h) })
	t.Run("devices", func(t *testing.T) { testDevices(t, h) })
	t.Run("reports", func(t *testing.T) { testReports(t, h) })
	t.Run("audits", func(t *testing.T) { testAudits(t, h) })
	t.Run("events", func(t *testing.T) { testEvents(t, h) })
	t.Run("tokens and audit log", func(t *testing.T) { testTokens(t, h) })
	t.Run("console", func(t *testing.T) { testConsole(t, h) })
	t.Run("session", func(t *testing.T) { testSession(t, h) })
	t.Run("native config", func(t *testing.T) { testNativeConfig(t, h) })
	t.Run("customers", func(t *testing.T) { testCustomers(t, h) })
	t.Run("clone", func(t *testing.T) { testClone(t, h) })
	h.checkCoverage(t)
}

func testMeta(t *testing.T, h *harness) {
	r := h.do(t, req{method: "GET", path: "/api/v1/openapi.json"})
	wantStatus(t, r, http.StatusOK)
	var me rest.Principal
	r = h.do(t, req{method: "GET", path: "/api/v1/me", role: operator})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &me)
	if me.Role != operator || me.Name != "operator-user" {
		t.Errorf("me = %+v", me)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		res, err := http.Get(h.env.Server.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
}

func testTypes(t *testing.T, h *harness) {
	var types struct{ Items []rest.TypeSummary }
	r := h.do(t, req{method: "GET", path: "/api/v1/types", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &types)
	if len(types.Items) != 1 || types.Items[0].Name != "eline" {
		t.Fatalf("types = %+v", types)
	}
	var info engine.PackInfo
	r = h.do(t, req{method: "GET", path: "/api/v1/types/eline", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &info)
	if len(info.Schema) == 0 || len(info.Form) == 0 {
		t.Errorf("type without schema or form: %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/types/nope", role: viewer}), http.StatusNotFound)

	tests := []struct {
		name   string
		intent any
		valid  bool
		ptrs   []string
	}{
		{"valid", eline("acme", 100, "pe1:ge-0/0/1", "sr1:1/1/1"), true, nil},
		{"every failing field", map[string]any{"customer": "", "endpoints": []any{map[string]any{"device": "pe1", "port": "ge-0/0/1", "vlan": 5000}}, "colour": "red"},
			false, []string{"/customer", "/endpoints", "/endpoints/0/vlan"}},
		{"not an object", []int{1}, false, []string{""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res rest.ValidateResult
			r := h.do(t, req{method: "POST", path: "/api/v1/types/eline/validate", role: viewer, body: map[string]any{"intent": tc.intent}})
			wantStatus(t, r, http.StatusOK)
			r.json(t, &res)
			if res.Valid != tc.valid {
				t.Fatalf("valid = %v: %s", res.Valid, r.Body)
			}
			for _, p := range tc.ptrs {
				if !hasPointer(res.Errors, p) {
					t.Errorf("no error at %q: %s", p, r.Body)
				}
			}
		})
	}
	var rl rest.ReloadResult
	r = h.do(t, req{method: "POST", path: "/api/v1/types/reload", role: designer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &rl)
	if len(rl.Types) != 1 || len(rl.Problems) != 0 {
		t.Errorf("reload = %+v", rl)
	}
}

func hasPointer(fs []rest.FieldError, p string) bool {
	for _, f := range fs {
		if f.Pointer == p {
			return true
		}
	}
	return false
}

func testLifecycle(t *testing.T, h *harness) {
	svc := h.create(t, "life-1", eline("acme", 101, "pe1:ge-0/0/1", "sr1:1/1/1"))
	if svc.State != store.StateActive || svc.Version < 1 {
		t.Fatalf("after create: %+v", svc)
	}
	r := h.do(t, req{method: "GET", path: "/api/v1/services/life-1", role: viewer})
	etag := r.Header.Get("ETag")
	if etag != fmt.Sprintf("%q", fmt.Sprint(svc.Version)) {
		t.Fatalf("ETag %q for version %d", etag, svc.Version)
	}
	// Conditional GET: 304 without a body while the client's copy is current.
	for _, tc := range []struct {
		name, inm string
		want      int
	}{
		{"current", etag, http.StatusNotModified},
		{"weak", "W/" + etag, http.StatusNotModified},
		{"in a list", `"999", ` + etag, http.StatusNotModified},
		{"any", "*", http.StatusNotModified},
		{"old copy", `"999"`, http.StatusOK},
	} {
		r := h.do(t, req{method: "GET", path: "/api/v1/services/life-1", role: viewer, header: map[string]string{"If-None-Match": tc.inm}})
		wantStatus(t, r, tc.want)
		if r.Header.Get("ETag") != etag || (tc.want == http.StatusNotModified && len(r.Body) != 0) {
			t.Errorf("If-None-Match %s: ETag %q, body %q", tc.name, r.Header.Get("ETag"), r.Body)
		}
	}
	if d := h.env.Devices["pe1"].Leaves(); len(d) == 0 {
		t.Fatal("nothing on pe1 after create")
	}

	// Owned config, allocations, history, audit.
	var owned struct{ Items []store.OwnedLeaf }
	h.do(t, req{method: "GET", path: "/api/v1/services/life-1/config", role: viewer}).json(t, &owned)
	if len(owned.Items) == 0 {
		t.Error("no owned config")
	}
	var allocs struct{ Items []store.Allocation }
	h.do(t, req{method: "GET", path: "/api/v1/services/life-1/allocations", role: viewer}).json(t, &allocs)
	if len(allocs.Items) == 0 {
		t.Error("no allocations")
	}
	var runs struct{ Items []store.Run }
	h.do(t, req{method: "GET", path: "/api/v1/services/life-1/runs", role: viewer}).json(t, &runs)
	if len(runs.Items) != 1 || runs.Items[0].Kind != "create" {
		t.Errorf("runs = %+v", runs.Items)
	}
	var audit engine.AuditResult
	r = h.do(t, req{method: "POST", path: "/api/v1/services/life-1/audit", role: operator})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &audit)
	if !audit.InSync {
		t.Errorf("audit after create: %s", r.Body)
	}

	// Modify: If-Match required, stale refused, current accepted.
	mod := map[string]any{"intent": eline("acme", 102, "pe1:ge-0/0/1", "sr1:1/1/1")}
	p := h.do(t, req{method: "PUT", path: "/api/v1/services/life-1", role: operator, body: mod}).problem(t)
	if p.Status != http.StatusPreconditionRequired {
		t.Fatalf("PUT without If-Match: %+v", p)
	}
	p = h.do(t, req{method: "PUT", path: "/api/v1/services/life-1", role: operator, body: mod, header: map[string]string{"If-Match": `"99"`}}).problem(t)
	if p.Status != http.StatusPreconditionFailed {
		t.Fatalf("PUT with a stale If-Match: %+v", p)
	}
	p = h.do(t, req{method: "PUT", path: "/api/v1/services/life-1", role: operator, body: mod, header: map[string]string{"If-Match": `junk`}}).problem(t)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("PUT with a malformed If-Match: %+v", p)
	}
	r = h.do(t, req{method: "PUT", path: "/api/v1/services/life-1?wait=true", role: operator, body: mod, header: map[string]string{"If-Match": etag}})
	wantStatus(t, r, http.StatusOK)
	var after store.Service
	r = h.do(t, req{method: "GET", path: "/api/v1/services/life-1", role: viewer})
	r.json(t, &after)
	if after.Version != svc.Version+1 || !strings.Contains(string(after.Intent), "102") {
		t.Fatalf("after modify: %+v", after)
	}
	etag = r.Header.Get("ETag")

	// Drift, audit, redeploy (dry-run first).
	h.env.Devices["pe1"].Remove(mustPath(t, "interfaces/interface[ge-0/0/1]/unit[102]/description"))
	h.do(t, req{method: "POST", path: "/api/v1/services/life-1/audit", role: operator}).json(t, &audit)
	if audit.InSync {
		t.Fatal("audit missed drift")
	}
	var plan engine.Plan
	r = h.do(t, req{method: "POST", path: "/api/v1/services/life-1/redeploy?dry_run=true", role: operator, header: map[string]string{"If-Match": etag}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &plan)
	if plan.Empty() {
		t.Errorf("redeploy plan repairs nothing: %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/life-1/redeploy", role: operator}), http.StatusPreconditionRequired)
	r = h.do(t, req{method: "POST", path: "/api/v1/services/life-1/redeploy?wait=true", role: operator, header: map[string]string{"If-Match": etag}})
	wantStatus(t, r, http.StatusOK)
	h.do(t, req{method: "POST", path: "/api/v1/services/life-1/audit", role: operator}).json(t, &audit)
	if !audit.InSync {
		t.Fatal("redeploy did not repair drift")
	}

	// Delete.
	r = h.do(t, req{method: "GET", path: "/api/v1/services/life-1", role: viewer})
	etag = r.Header.Get("ETag")
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/services/life-1", role: operator}), http.StatusPreconditionRequired)
	r = h.do(t, req{method: "DELETE", path: "/api/v1/services/life-1?dry_run=true", role: operator, header: map[string]string{"If-Match": etag}})
	wantStatus(t, r, http.StatusOK)
	r = h.do(t, req{method: "DELETE", path: "/api/v1/services/life-1?wait=true", role: operator, header: map[string]string{"If-Match": etag}})
	wantStatus(t, r, http.StatusOK)
	p = h.do(t, req{method: "GET", path: "/api/v1/services/life-1", role: viewer}).problem(t)
	if p.Status != http.StatusNotFound {
		t.Fatalf("after delete: %+v", p)
	}
	for _, path := range []string{"config", "allocations", "runs"} {
		wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/life-1/" + path, role: viewer}), http.StatusNotFound)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/life-1/audit", role: operator}), http.StatusNotFound)
	if d := h.env.Devices["pe1"].Leaves(); len(d) != 0 {
		t.Fatalf("pe1 still holds %v", d)
	}
}

func testBadInput(t *testing.T, h *harness) {
	big := `{"type":"eline","intent":{"customer":"` + strings.Repeat("x", rest.DefaultBodyLimit) + `"}}`
	tests := []struct {
		name   string
		rq     req
		status int
		ptrs   []string
	}{
		{"malformed JSON", req{method: "POST", path: "/api/v1/services", body: `{"type": "eline", "intent": {`}, 400, nil},
		{"unknown member", req{method: "POST", path: "/api/v1/services", body: `{"type": "eline", "intent": {}, "colour": 1}`}, 400, nil},
		{"trailing data", req{method: "POST", path: "/api/v1/services", body: `{"type": "eline", "intent": {}} {}`}, 400, nil},
		{"empty body", req{method: "POST", path: "/api/v1/services"}, 400, nil},
		{"bad dry_run", req{method: "POST", path: "/api/v1/services?dry_run=maybe", body: map[string]any{"type": "eline", "intent": eline("a", 100, "pe1:ge-0/0/1", "sr1:1/1/1")}}, 400, nil},
		{"missing type and intent", req{method: "POST", path: "/api/v1/services", body: `{}`}, 422, []string{"/type"}},
		{"intent not an object", req{method: "POST", path: "/api/v1/services", body: `{"type":"eline","intent":[1]}`}, 422, []string{"/intent"}},
		{"schema violation lists every pointer", req{method: "POST", path: "/api/v1/services", body: map[string]any{"type": "eline", "intent": map[string]any{
			"customer": "", "mtu": 1, "endpoints": []any{map[string]any{"device": "pe1", "port": "ge-0/0/1", "vlan": 0}}}}},
			422, []string{"/customer", "/mtu", "/endpoints", "/endpoints/0/vlan"}},
		{"script field error", req{method: "POST", path: "/api/v1/services", body: map[string]any{"type": "eline", "intent": eline("acme", 100, "pe1:ge-0/0/9", "sr1:1/1/1")}},
			422, []string{"/endpoints/0/port"}},
		{"unknown type", req{method: "POST", path: "/api/v1/services", body: map[string]any{"type": "nope", "intent": map[string]any{}}}, 404, nil},
		{"body too big", req{method: "POST", path: "/api/v1/services", body: big}, 413, nil},
		{"unknown service", req{method: "GET", path: "/api/v1/services/nope"}, 404, nil},
		{"modify unknown service", req{method: "PUT", path: "/api/v1/services/nope", body: map[string]any{"intent": map[string]any{}}, header: map[string]string{"If-Match": `"1"`}}, 404, nil},
		{"bad cursor", req{method: "GET", path: "/api/v1/services?cursor=!!!"}, 400, nil},
		{"cursor of another shape", req{method: "GET", path: "/api/v1/services?sort=-updated&cursor=eA"}, 400, nil},
		{"bad runs cursor", req{method: "GET", path: "/api/v1/runs?cursor=!!!"}, 400, nil},
		{"bad service runs cursor", req{method: "GET", path: "/api/v1/runs?service=s1&cursor=eA"}, 400, nil},
		{"bad audit-log cursor", req{method: "GET", path: "/api/v1/audit-log?cursor=!!!"}, 400, nil},
		{"bad limit", req{method: "GET", path: "/api/v1/services?limit=0"}, 400, nil},
		{"bad sort", req{method: "GET", path: "/api/v1/services?sort=colour"}, 400, nil},
		{"unknown plan", req{method: "GET", path: "/api/v1/plans/plan-nope"}, 404, nil},
		{"apply unknown plan", req{method: "POST", path: "/api/v1/plans/plan-nope/apply"}, 404, nil},
		{"unknown run", req{method: "GET", path: "/api/v1/runs/run-nope"}, 404, nil},
		{"cancel unknown run", req{method: "POST", path: "/api/v1/runs/run-nope/cancel"}, 404, nil},
		{"unknown device", req{method: "GET", path: "/api/v1/devices/nope"}, 404, nil},
		{"op without command", req{method: "POST", path: "/api/v1/devices/pe1/ops", body: `{}`}, 422, []string{"/command"}},
		{"op on unknown device", req{method: "POST", path: "/api/v1/devices/nope/ops", body: `{"command":"show configuration"}`}, 404, nil},
		{"op refused by the device", req{method: "POST", path: "/api/v1/devices/pe1/ops", body: `{"command":"reboot"}`}, 422, nil},
		{"discover unknown target", req{method: "POST", path: "/api/v1/devices/discover", body: `{"targets":["nope"]}`}, 404, nil},
		{"bad event cursor", req{method: "GET", path: "/api/v1/events?after=x"}, 400, nil},
		{"unknown route", req{method: "GET", path: "/api/v1/nope", unspecified: true}, 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.rq.role = admin
			p := h.do(t, tc.rq).problem(t)
			if p.Status != tc.status {
				t.Fatalf("status %d, want %d: %+v", p.Status, tc.status, p)
			}
			for _, ptr := range tc.ptrs {
				if !hasPointer(p.Errors, ptr) {
					t.Errorf("no error at %q: %+v", ptr, p.Errors)
				}
			}
			if tc.ptrs != nil && len(p.Errors) < len(tc.ptrs) {
				t.Errorf("errors %+v, want at least %d", p.Errors, len(tc.ptrs))
			}
		})
	}
}

func testPlans(t *testing.T, h *harness) {
	// Dry-run, show, apply: exactly the plan.
	var plan engine.Plan
	r := h.do(t, req{method: "POST", path: "/api/v1/services?dry_run=true", role: operator,
		body: map[string]any{"type": "eline", "id": "plan-1", "intent": eline("beta", 110, "pe1:ge-0/0/2", "sr1:1/1/2")}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &plan)
	if plan.ID == "" || plan.Hash == "" || len(plan.Targets) != 2 {
		t.Fatalf("plan = %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/services/plan-1", role: viewer}), http.StatusNotFound)
	var shown engine.Plan
	h.do(t, req{method: "GET", path: "/api/v1/plans/" + plan.ID, role: viewer}).json(t, &shown)
	if shown.Hash != plan.Hash {
		t.Fatalf("GET plan hash %s, want %s", shown.Hash, plan.Hash)
	}
	r = h.do(t, req{method: "POST", path: "/api/v1/plans/" + plan.ID + "/apply?wait=true", role: operator})
	wantStatus(t, r, http.StatusOK)
	var run store.Run
	r.json(t, &run)
	if run.PlanID != plan.ID || run.State != store.RunSucceeded {
		t.Fatalf("run = %+v", run)
	}

	// A modify plan is refused once the service changed.
	r = h.do(t, req{method: "GET", path: "/api/v1/services/plan-1", role: viewer})
	etag := r.Header.Get("ETag")
	r = h.do(t, req{method: "PUT", path: "/api/v1/services/plan-1?dry_run=true", role: operator, header: map[string]string{"If-Match": etag},
		body: map[string]any{"intent": eline("beta", 111, "pe1:ge-0/0/2", "sr1:1/1/2")}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &plan)
	wantStatus(t, h.do(t, req{method: "PUT", path: "/api/v1/services/plan-1?wait=true", role: operator, header: map[string]string{"If-Match": etag},
		body: map[string]any{"intent": eline("beta", 112, "pe1:ge-0/0/2", "sr1:1/1/2")}}), http.StatusOK)
	p := h.do(t, req{method: "POST", path: "/api/v1/plans/" + plan.ID + "/apply", role: operator}).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("apply after the service changed: %+v", p)
	}

	// A plan is refused when the network moved under it (another owner took a value).
	r = h.do(t, req{method: "POST", path: "/api/v1/services?dry_run=true", role: operator,
		body: map[string]any{"type": "eline", "id": "plan-2", "intent": eline("beta", 120, "pe2:ge-0/0/1", "sr2:1/1/1")}})
	r.json(t, &plan)
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services?wait=true", role: operator,
		body: map[string]any{"type": "eline", "id": "plan-3", "intent": eline("gamma", 120, "pe2:ge-0/0/1", "sr2:1/1/1")}}), http.StatusOK)
	p = h.do(t, req{method: "POST", path: "/api/v1/plans/" + plan.ID + "/apply", role: operator}).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("apply after the network changed: %+v", p)
	}

	// Creating an existing service is a conflict.
	p = h.do(t, req{method: "POST", path: "/api/v1/services", role: operator,
		body: map[string]any{"type": "eline", "id": "plan-1", "intent": eline("beta", 110, "pe1:ge-0/0/2", "sr1:1/1/2")}}).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("create existing: %+v", p)
	}
}

func testIdempotency(t *testing.T, h *harness) {
	body := map[string]any{"type": "eline", "id": "idem-1", "intent": eline("idem", 130, "pe2:ge-0/0/2", "sr1:1/1/1")}
	key := map[string]string{"Idempotency-Key": "k-1"}
	r1 := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator, body: body, header: key})
	wantStatus(t, r1, http.StatusAccepted)
	r2 := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator, body: body, header: key})
	wantStatus(t, r2, http.StatusAccepted)
	var a, b store.Run
	r1.json(t, &a)
	r2.json(t, &b)
	if a.ID != b.ID || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("same key, same body: runs %s and %s", a.ID, b.ID)
	}
	other := map[string]any{"type": "eline", "id": "idem-2", "intent": eline("idem", 131, "pe2:ge-0/0/2", "sr1:1/1/1")}
	p := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator, body: other, header: key}).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("same key, other body: %+v", p)
	}
	// Keys belong to their caller: another token may use the same key.
	r3 := h.do(t, req{method: "POST", path: "/api/v1/services?dry_run=true", role: admin, body: other, header: key})
	wantStatus(t, r3, http.StatusOK)
	if _, err := h.env.Engine.Wait(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
}

func testList(t *testing.T, h *harness) {
	for i := range 5 {
		h.create(t, fmt.Sprintf("list-%d", i), eline(fmt.Sprintf("cust-%d", i%2), 140+i, "pe2:ge-0/0/2", "sr2:1/1/1"))
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"by customer", "customer=cust-1&q=list-", []string{"list-1", "list-3"}},
		{"free text prefix", "q=list-", []string{"list-0", "list-1", "list-2", "list-3", "list-4"}},
		{"by device and port", "device=sr2&port=1/1/1&q=list-", []string{"list-0", "list-1", "list-2", "list-3", "list-4"}},
		{"sorted descending", "q=list-&sort=-id", []string{"list-4", "list-3", "list-2", "list-1", "list-0"}},
		{"by type and state", "type=eline&state=active&q=list-", []string{"list-0", "list-1", "list-2", "list-3", "list-4"}},
		{"no match", "customer=nobody", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				q := "/api/v1/services?limit=2&" + tc.query
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				var pg struct {
					Items      []store.Service
					NextCursor string `json:"next_cursor"`
				}
				r := h.do(t, req{method: "GET", path: q, role: viewer})
				wantStatus(t, r, http.StatusOK)
				r.json(t, &pg)
				for _, s := range pg.Items {
					got = append(got, s.ID)
				}
				if cursor = pg.NextCursor; cursor == "" || pages > 5 {
					break
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func testRuns(t *testing.T, h *harness) {
	var pg struct{ Items []store.Run }
	r := h.do(t, req{method: "GET", path: "/api/v1/runs?limit=3", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &pg)
	if len(pg.Items) != 3 {
		t.Fatalf("runs: %s", r.Body)
	}
	h.do(t, req{method: "GET", path: "/api/v1/runs?service=list-0", role: viewer}).json(t, &pg)
	if len(pg.Items) != 1 || pg.Items[0].Service != "list-0" {
		t.Fatalf("runs of list-0: %+v", pg.Items)
	}
	var d rest.RunDetail
	r = h.do(t, req{method: "GET", path: "/api/v1/runs/" + pg.Items[0].ID, role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &d)
	if len(d.Journal) == 0 || d.State != store.RunSucceeded {
		t.Fatalf("run detail: %s", r.Body)
	}
	p := h.do(t, req{method: "POST", path: "/api/v1/runs/" + d.ID + "/cancel", role: operator}).problem(t)
	if p.Status != http.StatusConflict {
		t.Fatalf("cancel a finished run: %+v", p)
	}

	// A run unfinished in the store but not executing in this process (parked by a shutdown,
	// waiting for recovery): 409, nothing here can stop it.
	parked := store.Run{ID: "run-parked", Service: "parked-1", Kind: store.RunCreate, State: store.RunRunning}
	if err := h.env.Store.CreateRun(t.Context(), parked); err != nil {
		t.Fatal(err)
	}
	p = h.do(t, req{method: "POST", path: "/api/v1/runs/run-parked/cancel", role: operator}).problem(t)
	if p.Status != http.StatusConflict || !strings.HasSuffix(p.Type, "/run-not-running") {
		t.Fatalf("cancel a parked run: %+v", p)
	}
	parked.State, parked.Error = store.RunRolledBack, "test over"
	if err := h.env.Store.UpdateRun(t.Context(), parked); err != nil {
		t.Fatal(err)
	}

	// Cancel a run in flight: hold the device's lock so the run waits at Begin.
	dev := h.env.Devices["pe1"]
	tx, err := dev.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r = h.do(t, req{method: "POST", path: "/api/v1/services", role: operator,
		body: map[string]any{"type": "eline", "id": "cancel-1", "intent": eline("acme", 150, "pe1:ge-0/0/3", "sr2:1/1/1")}})
	wantStatus(t, r, http.StatusAccepted)
	var run store.Run
	r.json(t, &run)
	r = h.do(t, req{method: "POST", path: "/api/v1/runs/" + run.ID + "/cancel", role: operator})
	wantStatus(t, r, http.StatusAccepted)
	done, err := h.env.Engine.Wait(t.Context(), run.ID)
	_ = tx.Rollback(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if done.State == store.RunSucceeded {
		t.Fatalf("cancelled run succeeded: %+v", done)
	}
	// A failed run with ?wait=true is a 409 problem carrying the run.
	dev.FailNext("prepare", "commit check failed: bad vlan")
	p = h.do(t, req{method: "POST", path: "/api/v1/services?wait=true", role: operator,
		body: map[string]any{"type": "eline", "id": "fail-1", "intent": eline("acme", 151, "pe1:ge-0/0/3", "sr2:1/1/1")}}).problem(t)
	if p.Status != http.StatusConflict || p.Run == nil || p.Run.State != store.RunFailed {
		t.Fatalf("failed run: %+v", p)
	}
}

func testDevices(t *testing.T, h *harness) {
	var devs struct {
		Items []struct{ Name, Vendor string }
	}
	r := h.do(t, req{method: "GET", path: "/api/v1/devices", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &devs)
	if len(devs.Items) != 4 {
		t.Fatalf("devices: %s", r.Body)
	}
	h.do(t, req{method: "GET", path: "/api/v1/devices?vendor=sros", role: viewer}).json(t, &devs)
	if len(devs.Items) != 2 {
		t.Fatalf("sros devices: %+v", devs)
	}
	var d rest.DeviceDetail
	r = h.do(t, req{method: "GET", path: "/api/v1/devices/sr2", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &d)
	if len(d.Ports) != 1 || len(d.Ports[0].Services) == 0 {
		t.Fatalf("sr2 ports: %s", r.Body)
	}
	var disc rest.DiscoverResult
	r = h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &disc)
	if len(disc.Items) != 4 || len(disc.Errors) != 0 {
		t.Fatalf("discover: %s", r.Body)
	}
	r = h.do(t, req{method: "POST", path: "/api/v1/devices/discover", role: operator, body: map[string]any{"targets": []string{"sam1"}}})
	wantStatus(t, r, http.StatusOK)
	var op struct{ Text string }
	r = h.do(t, req{method: "POST", path: "/api/v1/devices/pe1/ops", role: operator, body: map[string]any{"command": "show configuration"}})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &op)

	// A pack op runs on every endpoint of a service, through each device's target.
	var ops rest.ServiceOpResults
	r = h.do(t, req{method: "POST", path: "/api/v1/services/list-0/ops/show_config", role: operator})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &ops)
	if len(ops.Results) != 2 {
		t.Fatalf("service op: %s", r.Body)
	}
	for i, want := range []string{"pe2", "sr2"} {
		o := ops.Results[i]
		if o.Endpoint != i || o.Device != want || o.Command != "show configuration" || o.Error != "" ||
			!strings.Contains(o.Text, "running configuration of "+want) {
			t.Errorf("service op result %d: %+v", i, o)
		}
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/list-0/ops/nope", role: operator}), http.StatusNotFound)
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/nope/ops/show_config", role: operator}), http.StatusNotFound)
}

func testReports(t *testing.T, h *harness) {
	var pools struct{ Items []rest.PoolInfo }
	r := h.do(t, req{method: "GET", path: "/api/v1/pools", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &pools)
	if len(pools.Items) == 0 || pools.Items[0].Size == 0 {
		t.Fatalf("pools: %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/list-0/audit", role: operator}), http.StatusOK)
	var sum rest.Summary
	r = h.do(t, req{method: "GET", path: "/api/v1/reports/summary", role: viewer})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &sum)
	if sum.Services == 0 || sum.ByType["eline"] != sum.Services || sum.ByVendor["junos"] == 0 || sum.Compliance.Audited == 0 {
		t.Fatalf("summary: %s", r.Body)
	}
}

// testEvents reads the event stream from the start until the create run of a new service
// succeeded, then reconnects with Last-Event-ID and gets only later events.
func testEvents(t *testing.T, h *harness) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rq, _ := http.NewRequestWithContext(ctx, "GET", h.env.Server.URL+"/api/v1/events?access_token="+h.env.Tokens[viewer]+"&service=ev-1", nil)
	res, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	vr := rq.Clone(context.Background())
	vr.Header.Set("Authorization", "Bearer "+h.env.Tokens[viewer]) // the document's security scheme; the server took ?access_token
	h.validate(t, vr, res, nil, true)
	created := h.do(t, req{method: "POST", path: "/api/v1/services", role: operator,
		body: map[string]any{"type": "eline", "id": "ev-1", "intent": eline("ev", 160, "pe2:ge-0/0/1", "sr1:1/1/2")}})
	wantStatus(t, created, http.StatusAccepted)
	var run store.Run
	created.json(t, &run)
	sc := bufio.NewScanner(res.Body)
	var types []string
	var lastID string
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			lastID = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			var ev store.Event
			if err := json.Unmarshal([]byte(v), &ev); err != nil {
				t.Fatalf("event data %q: %v", v, err)
			}
			if ev.RunID == run.ID {
				types = append(types, ev.Type)
			}
			if ev.RunID == run.ID && engine.Finished(strings.TrimPrefix(ev.Type, "run.")) {
				break
			}
		}
	}
	if fmt.Sprint(types) != "[run.pending run.running run.succeeded]" {
		t.Fatalf("events of %s: %v (%v)", run.ID, types, sc.Err())
	}
	cancel()

	// Resume after the last event: only what came later (an audit of the service).
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/ev-1/audit", role: operator}), http.StatusOK)
	ctx2, cancel2 := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel2()
	rq, _ = http.NewRequestWithContext(ctx2, "GET", h.env.Server.URL+"/api/v1/events?service=ev-1", nil)
	rq.Header.Set("Authorization", "Bearer "+h.env.Tokens[viewer])
	rq.Header.Set("Last-Event-ID", lastID)
	res2, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	defer res2.Body.Close()
	sc = bufio.NewScanner(res2.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			if v != "audit.done" {
				t.Fatalf("first event after %s is %s", lastID, v)
			}
			break
		}
	}
	cancel2()

	// Neither Last-Event-ID nor ?after: from now (the history of ev-1 is not replayed);
	// ?after=0 replays it from the start.
	tests := []struct {
		name, query, first string
	}{
		{"from now", "", "audit.done"},
		{"after 0", "&after=0", "run.pending"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			rq, _ := http.NewRequestWithContext(ctx, "GET", h.env.Server.URL+"/api/v1/events?service=ev-1"+tc.query, nil)
			rq.Header.Set("Authorization", "Bearer "+h.env.Tokens[viewer])
			res, err := http.DefaultClient.Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			h.validate(t, rq, res, nil, true)
			sc := bufio.NewScanner(res.Body)
			// The stream's start is fixed once its first comment arrived.
			if !sc.Scan() || sc.Text() != ": xprov events" {
				t.Fatalf("stream opening: %q %v", sc.Text(), sc.Err())
			}
			wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/services/ev-1/audit", role: operator}), http.StatusOK)
			for sc.Scan() {
				if v, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
					if v != tc.first {
						t.Fatalf("first event %s, want %s", v, tc.first)
					}
					return
				}
			}
			t.Fatalf("stream ended: %v", sc.Err())
		})
	}
}

func testTokens(t *testing.T, h *harness) {
	var tok rest.TokenCreated
	r := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "ci", "role": "operator"}})
	wantStatus(t, r, http.StatusCreated)
	r.json(t, &tok)
	if tok.Token == "" || tok.ID == "" {
		t.Fatalf("token: %s", r.Body)
	}
	p := h.do(t, req{method: "POST", path: "/api/v1/tokens", role: admin, body: map[string]any{"name": "", "role": "boss"}}).problem(t)
	if p.Status != http.StatusUnprocessableEntity || len(p.Errors) != 2 {
		t.Fatalf("bad token request: %+v", p)
	}
	var toks struct{ Items []store.Token }
	h.do(t, req{method: "GET", path: "/api/v1/tokens", role: admin}).json(t, &toks)
	if len(toks.Items) != 5 {
		t.Fatalf("tokens: %+v", toks)
	}
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/tokens/" + tok.ID, role: admin}), http.StatusNoContent)
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/tokens/tok_nope", role: admin}), http.StatusNotFound)
	// The revoked token no longer works.
	rq, _ := http.NewRequest("GET", h.env.Server.URL+"/api/v1/me", nil)
	rq.Header.Set("Authorization", "Bearer "+tok.Token)
	res, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", res.StatusCode)
	}

	// The audit log holds every mutating call, with who and what.
	var log struct {
		Items      []store.AuditEntry
		NextCursor string `json:"next_cursor"`
	}
	r = h.do(t, req{method: "GET", path: "/api/v1/audit-log?object=services/life-1&limit=100", role: admin})
	wantStatus(t, r, http.StatusOK)
	r.json(t, &log)
	var actions []string
	for _, e := range log.Items {
		if e.User != "operator-user" {
			t.Errorf("entry by %q: %+v", e.User, e)
		}
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"POST /api/v1/services", "PUT /api/v1/services/{id}", "DELETE /api/v1/services/{id}",
		"POST /api/v1/services/{id}/redeploy", "POST /api/v1/services/{id}/audit"} {
		if !strings.Contains(strings.Join(actions, "\n"), want) {
			t.Errorf("no %q in the audit log of life-1: %v", want, actions)
		}
	}
	r = h.do(t, req{method: "GET", path: "/api/v1/audit-log?user=admin-user&limit=1", role: admin})
	r.json(t, &log)
	if len(log.Items) != 1 || log.NextCursor == "" {
		t.Fatalf("audit page: %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/audit-log?user=admin-user&limit=1&cursor=" + log.NextCursor, role: admin}), http.StatusOK)
}
