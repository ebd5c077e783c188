package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

// testAudits: audit jobs of a scope, now (waiting or not) or on a schedule; results listed and
// filtered by status; drift attributed to the service whose unit was removed.
func testAudits(t *testing.T, h *harness) {
	h.create(t, "aud-1", eline("acme", 301, "pe2:ge-0/0/2", "sr2:1/1/1"))
	h.create(t, "aud-2", eline("acme", 302, "pe2:ge-0/0/2", "sr2:1/1/1"))
	var owned struct{ Items []store.OwnedLeaf }
	h.do(t, req{method: "GET", path: "/api/v1/services/aud-1/config", role: viewer}).json(t, &owned)
	unit := ""
	for _, l := range owned.Items {
		if l.Target == "pe2" && strings.HasSuffix(l.Path, "unit[301]") {
			unit = l.Path
		}
	}
	if unit == "" {
		t.Fatalf("aud-1 owns no unit on pe2: %+v", owned.Items)
	}
	p, err := config.ParsePath(unit)
	if err != nil {
		t.Fatal(err)
	}
	h.env.Devices["pe2"].Remove(p)

	// A device's services, waiting for the job.
	r := h.do(t, req{method: "POST", path: "/api/v1/audits?wait=true", role: operator, body: map[string]any{"device": "pe2", "customer": "acme"}})
	wantStatus(t, r, http.StatusOK)
	var job store.AuditJob
	r.json(t, &job)
	if job.State != store.AuditJobDone || job.Services < 2 || job.Drifted != 1 || job.Unknown != 0 || r.Header.Get("Location") != "/api/v1/audits/"+job.ID {
		t.Fatalf("device audit: %s", r.Body)
	}
	var results struct {
		Items      []store.AuditServiceResult
		NextCursor string `json:"next_cursor"`
	}
	h.do(t, req{method: "GET", path: "/api/v1/audits/" + job.ID + "/results?status=drifted", role: viewer}).json(t, &results)
	if len(results.Items) != 1 || results.Items[0].Service != "aud-1" || !strings.Contains(string(results.Items[0].Drift), unit) {
		t.Fatalf("drifted results: %+v", results)
	}
	h.do(t, req{method: "GET", path: "/api/v1/audits/" + job.ID + "/results?limit=1", role: viewer}).json(t, &results)
	if len(results.Items) != 1 || results.NextCursor == "" {
		t.Fatalf("first page of results: %+v", results)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/audits/" + job.ID + "/results?status=bogus", role: viewer}), http.StatusBadRequest)
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/audits/nope/results", role: viewer}), http.StatusNotFound)

	var syncs struct{ Items []store.TargetSync }
	h.do(t, req{method: "GET", path: "/api/v1/audit-targets", role: viewer}).json(t, &syncs)
	states := map[string]string{}
	for _, ts := range syncs.Items {
		states[ts.Target] = ts.State
	}
	// A narrower scope than the whole device finds pe2 out of sync, but not sam1 in sync.
	if states["pe2"] != store.SyncOutOfSync || states["sam1"] != "" {
		t.Fatalf("target sync: %+v", syncs.Items)
	}

	// The memory devices keep no history: nothing to flag.
	r = h.do(t, req{method: "POST", path: "/api/v1/audit-targets/check", role: operator})
	wantStatus(t, r, http.StatusOK)

	// Everything, in the background.
	r = h.do(t, req{method: "POST", path: "/api/v1/audits", role: operator})
	wantStatus(t, r, http.StatusAccepted)
	var bg store.AuditJob
	r.json(t, &bg)
	r = h.do(t, req{method: "GET", path: "/api/v1/audits/" + bg.ID, role: viewer})
	wantStatus(t, r, http.StatusOK)
	var jobs struct{ Items []store.AuditJob }
	h.do(t, req{method: "GET", path: "/api/v1/audits?limit=10", role: viewer}).json(t, &jobs)
	if len(jobs.Items) < 2 || jobs.Items[0].ID != bg.ID {
		t.Fatalf("jobs, newest first: %+v", jobs.Items)
	}
	wantStatus(t, h.do(t, req{method: "GET", path: "/api/v1/audits/nope", role: viewer}), http.StatusNotFound)
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/audits", role: viewer}), http.StatusForbidden)
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/audits", role: operator, body: map[string]any{"colour": "red"}, badInput: true}), http.StatusBadRequest)

	// Schedules.
	r = h.do(t, req{method: "POST", path: "/api/v1/audit-schedules", role: operator, body: map[string]any{"scope": map[string]any{"type": "eline"}, "every": "24h"}})
	wantStatus(t, r, http.StatusCreated)
	var sched rest.AuditSchedule
	r.json(t, &sched)
	if sched.Every != "24h0m0s" || sched.Scope.Type != "eline" || sched.User != "operator-user" {
		t.Fatalf("schedule: %s", r.Body)
	}
	wantStatus(t, h.do(t, req{method: "POST", path: "/api/v1/audit-schedules", role: operator, body: map[string]any{"every": "1s"}, badInput: true}), http.StatusUnprocessableEntity)
	var scheds struct{ Items []rest.AuditSchedule }
	h.do(t, req{method: "GET", path: "/api/v1/audit-schedules", role: viewer}).json(t, &scheds)
	if len(scheds.Items) != 1 || scheds.Items[0].ID != sched.ID {
		t.Fatalf("schedules: %+v", scheds)
	}
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/audit-schedules/" + sched.ID, role: operator}), http.StatusNoContent)
	wantStatus(t, h.do(t, req{method: "DELETE", path: "/api/v1/audit-schedules/" + sched.ID, role: operator}), http.StatusNotFound)

	// The single-service audit says drifted, with the path as a string; compliance counts it.
	r = h.do(t, req{method: "POST", path: "/api/v1/services/aud-1/audit", role: operator})
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"status":"drifted"`) || !strings.Contains(string(r.Body), `"missing":[{"path":"`+unit+`"`) {
		t.Fatalf("service audit: %s", r.Body)
	}
	var sum rest.Summary
	h.do(t, req{method: "GET", path: "/api/v1/reports/summary", role: viewer}).json(t, &sum)
	if sum.Compliance.Drifted < 1 {
		t.Fatalf("compliance: %+v", sum.Compliance)
	}
}
