package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

// TestDemo starts the demo (simulated Junos routers and SAM, real adapters, bundled packs),
// creates an E-LINE over the REST API, restarts on the same database and checks that the
// service and the first admin token survive and no new token is printed without --demo.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	in, err := Start(ctx, Options{Demo: true, Out: &out, Config: Config{Listen: "127.0.0.1:0", DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{in.URL, in.Token, "pe1", "sr1", "sam1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	c := &client.Client{Base: in.URL, Token: in.Token}
	devs, err := c.Devices(ctx, "")
	if err != nil || len(devs) != 6 {
		t.Fatalf("devices %v: %v", devs, err)
	}
	intent := json.RawMessage(`{"customer":"CUST-1","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"pe2","port":"ge-0/0/1","vlan":100}]}`)
	res, err := c.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "e1", Intent: intent}, client.RunOptions{Wait: true})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if res.Run.State != store.RunSucceeded {
		t.Fatalf("run %+v", res.Run)
	}
	if a, err := c.AuditService(ctx, "e1"); err != nil || !a.InSync {
		t.Fatalf("audit %+v: %v", a, err)
	}
	if err := in.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// Without --demo and with no devices: the same database, the service is still there.
	out.Reset()
	in2, err := Start(ctx, Options{Out: &out, Config: Config{Listen: "127.0.0.1:0", DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Shutdown(context.Background())
	if in2.Token != "" || strings.Contains(out.String(), "admin token") {
		t.Fatalf("a token was created on a database that has one:\n%s", out.String())
	}
	c.Base = in2.URL
	if s, _, err := c.GetService(ctx, "e1"); err != nil || s.State != store.StateActive {
		t.Fatalf("after restart: %+v %v", s, err)
	}
	// The audit before the restart still counts in the compliance report.
	var sum rest.Summary
	if _, err := c.Do(ctx, "GET", "/reports/summary", nil, nil, &sum); err != nil {
		t.Fatal(err)
	}
	if want := (rest.Compliance{Audited: 1, InSync: 1, Services: 1}); sum.Compliance != want {
		t.Fatalf("compliance after restart: %+v, want %+v", sum.Compliance, want)
	}
}

func TestConfigTargetsPasswordsFromEnv(t *testing.T) {
	cfg := Config{Devices: []DeviceConfig{{Name: "pe1", Address: "192.0.2.1", User: "lab", PasswordEnv: "PE1_PW"}},
		SAMs: []SAMConfig{{Name: "sam1", URL: "http://192.0.2.2:8080", User: "admin", PasswordEnv: "SAM_PW"}}}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"both set", map[string]string{"PE1_PW": "x", "SAM_PW": "y"}, ""},
		{"device password missing", map[string]string{"SAM_PW": "y"}, "PE1_PW is empty"},
		{"sam password missing", map[string]string{"PE1_PW": "x"}, "SAM_PW is empty"},
	}
	cfg.KnownHosts = filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(cfg.KnownHosts, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := configTargets(cfg, func(k string) string { return tc.env[k] }, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(ts) != 2 {
				t.Fatalf("targets %v: %v", ts, err)
			}
		})
	}
}

// TestDemoSAMStateSurvivesRestart: the demo's SAM keeps its objects beside the database, so
// after a restart a Nokia service the store says is active is still on the SAM (audit in
// sync), and deleting it works.
func TestDemoSAMStateSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	in, err := Start(ctx, Options{Demo: true, Out: &out, Config: Config{Listen: "127.0.0.1:0", DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{Base: in.URL, Token: in.Token}
	intent := json.RawMessage(`{"customer":"CUST-1","bandwidth":"100M","endpoints":[{"device":"sr1","port":"1/1/1","vlan":100},{"device":"sr2","port":"1/1/1","vlan":100}]}`)
	res, err := c.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "n1", Intent: intent}, client.RunOptions{Wait: true})
	if err != nil || res.Run.State != store.RunSucceeded {
		t.Fatalf("create: %+v %v", res, err)
	}
	if err := in.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(db), "demo-sam.json")); err != nil {
		t.Fatalf("no SAM state file: %v", err)
	}
	in2, err := Start(ctx, Options{Demo: true, Out: &out, Config: Config{Listen: "127.0.0.1:0", DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Shutdown(context.Background())
	c.Base = in2.URL
	if a, err := c.AuditService(ctx, "n1"); err != nil || !a.InSync {
		t.Fatalf("audit after restart %+v: %v", a, err)
	}
	if res, err := c.DeleteService(ctx, "n1", client.RunOptions{Wait: true}); err != nil || res.Run.State != store.RunSucceeded {
		t.Fatalf("delete after restart: %+v %v", res, err)
	}
}

// TestDemoSAMFaultsFromOutside: with XPROV_SAM_PASSWORD set, whoever runs the demo can inject
// a SAM fault through the simulator's control endpoint (the banner says where) and watch a
// Nokia service's run fail on it, then clear it; without the password the endpoint refuses.
func TestDemoSAMFaultsFromOutside(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	env := func(k string) string {
		if k == "XPROV_SAM_PASSWORD" {
			return "demo-sam-pw"
		}
		return ""
	}
	in, err := Start(ctx, Options{Demo: true, Out: &out, Getenv: env, Config: Config{Listen: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "demo.db")}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Shutdown(context.Background())
	_, rest1, ok := strings.Cut(out.String(), "xprov sim sam fault --url ")
	if !ok {
		t.Fatalf("banner does not say where to inject faults:\n%s", out.String())
	}
	samURL, _, _ := strings.Cut(rest1, " ")
	control := func(method, pw, body string) int {
		req, _ := http.NewRequestWithContext(ctx, method, samURL+"/control/faults", strings.NewReader(body))
		req.SetBasicAuth("admin", pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := control("POST", "guess", `{"unreachable": true}`); code != http.StatusUnauthorized {
		t.Fatalf("control without the password: %d", code)
	}
	if code := control("POST", "demo-sam-pw", `{"method": "generic.GenericObject.configureChildInstance", "message": "deploy failed on sr1"}`); code != http.StatusOK {
		t.Fatalf("inject: %d", code)
	}
	c := &client.Client{Base: in.URL, Token: in.Token}
	intent := json.RawMessage(`{"customer":"CUST-1","endpoints":[{"device":"sr1","port":"1/1/2","vlan":100},{"device":"sr2","port":"1/1/2","vlan":100}]}`)
	_, err = c.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "f1", Intent: intent}, client.RunOptions{Wait: true})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Problem.Run == nil || ce.Problem.Run.State == store.RunSucceeded {
		t.Fatalf("the run did not fail on the injected fault: %v", err)
	}
	if !strings.Contains(ce.Problem.Run.Error, "deploy failed on sr1") {
		t.Fatalf("run error %q does not carry the injected fault", ce.Problem.Run.Error)
	}
	if code := control("DELETE", "demo-sam-pw", ""); code != http.StatusOK {
		t.Fatalf("clear: %d", code)
	}
	res, err := c.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "f2", Intent: intent}, client.RunOptions{Wait: true})
	if err != nil || res.Run.State != store.RunSucceeded {
		t.Fatalf("create after clearing: %+v %v", res.Run, err)
	}
}
