package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// TestCLIAudit: audit run (every service, a device, one service) with exit 4 on drift, list,
// show with a status filter, schedules.
func TestCLIAudit(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	for _, id := range []string{"a1", "a2"} {
		vlan := map[string]string{"a1": "110", "a2": "111"}[id]
		intent := `{"customer":"acme","endpoints":[{"device":"pe1","port":"ge-0/0/3","vlan":` + vlan + `},{"device":"sr1","port":"1/1/2","vlan":` + vlan + `}]}`
		if out, code := runCLI(t, env, "operator", "service", "create", "--type", "eline", "--id", id, "--intent", intent); code != 0 {
			t.Fatalf("create %s: %d %s", id, code, out)
		}
	}
	out, code := runCLI(t, env, "operator", "audit", "run")
	if code != 0 || !strings.Contains(out, "done") || !strings.Contains(out, "all") {
		t.Fatalf("audit run (in sync): %d %s", code, out)
	}
	owned, err := env.Store.Owned(t.Context(), "a2")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range owned {
		if l.Target == "pe1" && strings.HasSuffix(l.Path, "unit[111]") {
			p, err := config.ParsePath(l.Path + "/disable")
			if err != nil {
				t.Fatal(err)
			}
			env.Devices["pe1"].Seed(config.Leaf{Path: p})
		}
	}
	out, code = runCLI(t, env, "operator", "audit", "run", "--device", "pe1", "-o", "json")
	if code != 4 {
		t.Fatalf("audit run with drift: exit %d, want 4: %s", code, out)
	}
	var job store.AuditJob
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &job); err != nil || job.Drifted != 1 || job.Services != 2 {
		t.Fatalf("job %q: %v", out, err)
	}
	tests := []struct {
		name string
		role string
		args []string
		code int
		want []string
	}{
		{"one service", "operator", []string{"audit", "run", "--service", "a1"}, 0, []string{"service a1", "done"}},
		{"background", "operator", []string{"audit", "run", "--type", "eline", "--no-wait"}, 0, []string{"type eline"}},
		{"list", "viewer", []string{"audit", "list"}, 0, []string{job.ID, "device pe1"}},
		{"show drifted", "viewer", []string{"audit", "show", job.ID, "--status", "drifted"}, 0, []string{"a2", "drifted", "extra", "unit[111]/disable"}},
		{"show bad status", "viewer", []string{"audit", "show", job.ID, "--status", "odd"}, 1, []string{"400"}},
		{"show unknown job", "viewer", []string{"audit", "show", "nope"}, 1, []string{"404"}},
		{"schedule", "operator", []string{"audit", "schedule", "--device", "pe1", "--every", "12h"}, 0, []string{"device pe1", "12h0m0s"}},
		{"schedule too often", "operator", []string{"audit", "schedule", "--every", "1s"}, 3, []string{"at least 1m"}},
		{"schedules", "viewer", []string{"audit", "schedules"}, 0, []string{"device pe1", "12h0m0s"}},
		{"unschedule unknown", "operator", []string{"audit", "unschedule", "sched-nope"}, 1, []string{"404"}},
		{"viewer cannot run", "viewer", []string{"audit", "run"}, 1, []string{"403"}},
		{"check (memory devices keep no history)", "operator", []string{"audit", "check"}, 0, []string{"TARGET"}},
		{"targets", "viewer", []string{"audit", "targets"}, 4, []string{"pe1", "out-of-sync", "out of sync: [pe1]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, env, tc.role, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	var scheds []struct{ ID string }
	out, _ = runCLI(t, env, "viewer", "audit", "schedules", "-o", "json")
	if err := json.Unmarshal([]byte(out), &scheds); err != nil || len(scheds) != 1 {
		t.Fatalf("schedules json %q: %v", out, err)
	}
	if out, code := runCLI(t, env, "operator", "audit", "unschedule", scheds[0].ID); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("unschedule: %d %s", code, out)
	}
}
