package server

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	junossim "github.com/xprov/xprov/adapters/junos/sim"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/client"
	"github.com/xprov/xprov/ui/rest"
)

// TestShutdownParksRunInFlight starts a run against a slow device, shuts the server down
// while the run is in flight, restarts on the same database, and checks that recovery
// finished or rolled the run back with the service and the devices agreeing.
func TestShutdownParksRunInFlight(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	const password = "lab-pw"
	fleet, err := junossim.NewFleet(junossim.FleetOptions{Devices: 2, Listen: "127.0.0.1:0", NamePrefix: "pe",
		Template: junossim.Options{User: "lab", Password: password, Ports: 10}})
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Close()
	dir := t.TempDir()
	var hosts, devs []string
	cfg := Config{Listen: "127.0.0.1:0", DB: filepath.Join(dir, "xprov.db"), KnownHosts: filepath.Join(dir, "known_hosts")}
	for _, d := range fleet.Devices() {
		hosts = append(hosts, knownhosts.Line([]string{d.Addr()}, d.HostKey()))
		cfg.Devices = append(cfg.Devices, DeviceConfig{Name: d.Name(), Address: d.Addr(), User: "lab", PasswordEnv: "PW"})
		devs = append(devs, d.Name())
	}
	if err := os.WriteFile(cfg.KnownHosts, []byte(strings.Join(hosts, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return password }
	var out bytes.Buffer
	in, err := Start(ctx, Options{Config: cfg, Out: &out, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	c := &client.Client{Base: in.URL, Token: in.Token}
	token := in.Token

	// Commits on pe2 take long: the run is in flight when the server shuts down.
	fleet.Device("pe2").SetCommitDelay(3 * time.Second)
	intent := json.RawMessage(`{"customer":"CUST-1","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":300},{"device":"pe2","port":"ge-0/0/1","vlan":300}]}`)
	res, err := c.CreateService(ctx, rest.CreateRequest{Type: "eline", ID: "slow-1", Intent: intent}, client.RunOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	runID := res.Run.ID
	// Wait until the run reached the devices (a journaled step).
	for {
		d, err := c.GetRun(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Journal) > 0 && d.State == store.RunRunning {
			break
		}
		if engine.Finished(d.State) {
			t.Fatalf("run finished before the shutdown: %+v", d.Run)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	// A short grace: the run cannot finish in it.
	sctx, scancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_ = in.Shutdown(sctx)
	scancel()

	// Restart on the same database; recovery finishes or rolls back whatever was in flight.
	fleet.Device("pe2").SetCommitDelay(0)
	in2, err := Start(ctx, Options{Config: cfg, Out: &out, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer in2.Shutdown(context.Background())
	c = &client.Client{Base: in2.URL, Token: token}
	run, err := in2.eng.Wait(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if !engine.Finished(run.State) {
		t.Fatalf("run after recovery: %+v", run)
	}
	if n, err := in2.st.CountUnfinishedRuns(ctx); err != nil || n != 0 {
		t.Fatalf("unfinished runs after recovery: %d, %v", n, err)
	}
	svc, _, svcErr := c.GetService(ctx, "slow-1")
	onDevice := func(name string) bool {
		return fleet.Device(name).RunningHas("set interfaces ge-0/0/1 unit 300 vlan-id 300")
	}
	switch run.State {
	case store.RunSucceeded:
		if svcErr != nil || svc.State != store.StateActive {
			t.Fatalf("run succeeded but service %+v, %v", svc, svcErr)
		}
		for _, d := range devs {
			if !onDevice(d) {
				t.Errorf("run succeeded but %s lacks the service: %v", d, fleet.Device(d).RunningSet())
			}
		}
		if a, err := c.AuditService(ctx, "slow-1"); err != nil || !a.InSync {
			t.Fatalf("audit after recovery: %+v, %v", a, err)
		}
	default:
		if svcErr == nil && svc.State == store.StateActive {
			t.Fatalf("run %s but service active: %+v", run.State, svc)
		}
		for _, d := range devs {
			if onDevice(d) {
				t.Errorf("run %s but %s still holds the service: %v", run.State, d, fleet.Device(d).RunningSet())
			}
			if fleet.Device(d).PendingConfirm() {
				t.Errorf("%s still waits for a commit confirm", d)
			}
		}
	}
	t.Logf("run %s after shutdown and recovery: %s (%s)", runID, run.State, run.Error)
}
