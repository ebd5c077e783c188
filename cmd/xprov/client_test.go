package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// runCLI runs the client commands on a fresh root (no flag state shared between runs) and
// returns stdout and the exit code main would use. A nil env passes no --server or --token
// (offline commands).
func runCLI(t *testing.T, env *resttest.Env, role string, args ...string) (string, int) {
	t.Helper()
	root := &cobra.Command{Use: "xprov", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(clientCommands()...)
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	if env != nil && len(args) > 1 {
		args = append(args, "--server", env.Server.URL, "--token", env.Tokens[role])
	}
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	code := 0
	if err != nil {
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		out.WriteString("error: " + err.Error())
	}
	return out.String(), code
}

func TestCLI(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	good := `{"customer":"acme","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"sr1","port":"1/1/1","vlan":100}]}`
	tests := []struct {
		name string
		role string
		args []string
		code int
		want []string
	}{
		{"create", "operator", []string{"service", "create", "--type", "eline", "--id", "c1", "--intent", good}, 0, []string{"state", "succeeded", "pe1"}},
		{"get", "viewer", []string{"service", "get", "c1"}, 0, []string{"c1", "active", `ETag "1"`}},
		{"get json", "viewer", []string{"service", "get", "c1", "-o", "json"}, 0, []string{`"id": "c1"`}},
		{"list", "viewer", []string{"service", "list", "--customer", "acme"}, 0, []string{"ID", "c1", "eline"}},
		{"list json", "viewer", []string{"service", "list", "-o", "json", "--all", "--limit", "1"}, 0, []string{`"items"`, `"c1"`}},
		{"audit", "operator", []string{"service", "audit", "c1"}, 0, []string{"in sync", "true"}},
		{"op", "operator", []string{"service", "op", "c1", "show_config"}, 0, []string{"endpoint 0", "pe1", "show configuration", "running configuration of sr1"}},
		{"op json", "operator", []string{"service", "op", "c1", "show_config", "-o", "json"}, 0, []string{`"results"`, `"command": "show configuration"`}},
		{"op unknown", "operator", []string{"service", "op", "c1", "nope"}, 1, []string{"404"}},
		{"dry-run modify", "operator", []string{"service", "modify", "c1", "--dry-run", "--intent", strings.ReplaceAll(good, "100", "101")}, 0, []string{"plan", "apply with: xprov plan apply"}},
		{"modify", "operator", []string{"service", "modify", "c1", "--intent", strings.ReplaceAll(good, "100", "102")}, 0, []string{"modify", "succeeded"}},
		{"stale if-match", "operator", []string{"service", "modify", "c1", "--if-match", `"1"`, "--intent", good}, 4, []string{"412"}},
		{"validation", "operator", []string{"service", "create", "--type", "eline", "--intent", `{"customer":"","endpoints":[]}`}, 3, []string{"/customer", "/endpoints"}},
		{"conflict", "operator", []string{"service", "create", "--type", "eline", "--id", "c1", "--intent", good}, 4, []string{"409"}},
		{"not found", "viewer", []string{"service", "get", "nope"}, 1, []string{"404"}},
		{"forbidden", "viewer", []string{"service", "delete", "c1"}, 1, []string{"403"}},
		{"usage: missing arg", "viewer", []string{"service", "get"}, 2, []string{"usage"}},
		{"usage: bad flag", "viewer", []string{"service", "list", "--colour", "red"}, 2, []string{"unknown flag"}},
		{"usage: no intent", "operator", []string{"service", "create", "--type", "eline"}, 2, []string{"intent is required"}},
		{"usage: bad output", "viewer", []string{"service", "list", "-o", "yaml"}, 2, []string{"table or json"}},
		{"runs", "viewer", []string{"run", "list", "--service", "c1"}, 0, []string{"create", "modify"}},
		{"devices", "viewer", []string{"device", "list"}, 0, []string{"pe1", "sr1", "sam1"}},
		{"device", "viewer", []string{"device", "get", "pe1"}, 0, []string{"ge-0/0/1", "c1"}},
		{"discover", "operator", []string{"device", "discover"}, 0, []string{"sr2"}},
		{"op", "operator", []string{"device", "op", "pe1", "show", "configuration"}, 0, []string{"interfaces"}},
		{"types", "viewer", []string{"type", "list"}, 0, []string{"eline"}},
		{"type", "viewer", []string{"type", "show", "eline"}, 0, []string{"schema"}},
		{"type reload", "designer", []string{"type", "reload"}, 0, []string{"type", "eline"}},
		{"type reload: viewer", "viewer", []string{"type", "reload"}, 1, []string{"403"}},
		{"pools", "viewer", []string{"pool", "list"}, 0, []string{"vc-id"}},
		{"token create", "admin", []string{"token", "create", "ci", "--role", "operator"}, 0, []string{"token", "xp_"}},
		{"token list", "admin", []string{"token", "list"}, 0, []string{"ci", "operator"}},
		{"redeploy", "operator", []string{"service", "redeploy", "c1"}, 0, []string{"redeploy", "succeeded"}},
		{"delete", "operator", []string{"service", "delete", "c1"}, 0, []string{"delete", "succeeded"}},
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
}

// TestCLIPlanAndRuns covers plan show/apply, run get/watch/cancel and failed runs (exit 5).
func TestCLIPlanAndRuns(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	intent := `{"customer":"acme","endpoints":[{"device":"pe2","port":"ge-0/0/1","vlan":200},{"device":"sr2","port":"1/1/1","vlan":200}]}`
	out, code := runCLI(t, env, "operator", "service", "create", "--type", "eline", "--id", "p1", "--dry-run", "-o", "json", "--intent", intent)
	if code != 0 {
		t.Fatalf("dry-run: %d %s", code, out)
	}
	var plan struct{ ID string }
	if err := json.Unmarshal([]byte(out), &plan); err != nil || plan.ID == "" {
		t.Fatalf("plan json %q: %v", out, err)
	}
	if out, code = runCLI(t, env, "viewer", "plan", "show", plan.ID); code != 0 || !strings.Contains(out, "pe2") {
		t.Fatalf("plan show: %d %s", code, out)
	}
	if out, code = runCLI(t, env, "operator", "plan", "apply", plan.ID, "-o", "json"); code != 0 {
		t.Fatalf("plan apply: %d %s", code, out)
	}
	var run store.Run
	if err := json.Unmarshal([]byte(out), &run); err != nil || run.State != store.RunSucceeded {
		t.Fatalf("applied run %q: %v", out, err)
	}
	if out, code = runCLI(t, env, "operator", "plan", "apply", plan.ID); code != 4 {
		t.Fatalf("re-applying a plan: exit %d, want 4: %s", code, out)
	}
	if out, code = runCLI(t, env, "viewer", "run", "get", run.ID); code != 0 || !strings.Contains(out, "commit:pe2") {
		t.Fatalf("run get: %d %s", code, out)
	}
	if out, code = runCLI(t, env, "viewer", "run", "watch", run.ID); code != 0 || !strings.Contains(out, "succeeded") {
		t.Fatalf("run watch: %d %s", code, out)
	}
	if out, code = runCLI(t, env, "operator", "run", "cancel", run.ID); code != 4 {
		t.Fatalf("cancel a finished run: exit %d, want 4: %s", code, out)
	}
	env.Devices["pe2"].FailNext("prepare", "commit check failed")
	out, code = runCLI(t, env, "operator", "service", "modify", "p1", "--intent", strings.ReplaceAll(intent, "200", "201"))
	if code != 5 || !strings.Contains(out, "commit check failed") {
		t.Fatalf("failed run: exit %d, want 5: %s", code, out)
	}
	if out, code = runCLI(t, env, "admin", "token", "revoke", "tok_nope"); code != 1 {
		t.Fatalf("revoke unknown: %d %s", code, out)
	}
}
