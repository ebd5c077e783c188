package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/xprov/xprov/engine/bench"
)

// asXprov makes the test binary act as the xprov command (TestMain), so that the bench can
// start it as its simulators and server without building the binary first.
const asXprov = "XPROV_TEST_AS_XPROV"

func TestMain(m *testing.M) {
	if os.Getenv(asXprov) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchREST runs `xprov bench` small: real child processes (the simulators and the
// server), four REST clients, the four bundled packs with Juniper and Nokia endpoints.
func TestBenchREST(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(asXprov, "1") // for the children; this process has passed TestMain already
	out := filepath.Join(t.TempDir(), "bench.json")
	res, err := bench.Run(t.Context(), bench.Options{Services: 40, Clients: 4, Junos: 3, SR: 3, Exe: exe, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var back bench.Result
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Failed != 0 {
		t.Fatalf("%d requests failed, first: %s", back.Failed, back.FirstError)
	}
	if len(back.Phases) != 3 {
		t.Fatalf("phases: %+v", back.Phases)
	}
	for i, name := range []string{"create", "modify", "delete"} {
		p := back.Phases[i]
		if p.Name != name || p.Requests != 40 || p.Failed != 0 || p.PerSecond <= 0 ||
			p.P50ms <= 0 || p.P50ms > p.P90ms || p.P90ms > p.P99ms || p.ServerCPUms <= 0 {
			t.Errorf("phase %d: %+v", i, p)
		}
	}
	if back.DBBytesPerService <= 0 || back.ServerPeakRSS <= 0 || back.ServerCPUSeconds <= 0 || back.SimCPUSeconds <= 0 ||
		back.DeviceCommits == 0 || back.SAMRequests == 0 {
		t.Errorf("result: %s", raw)
	}
	// Everything the services put on the devices is gone, shared nodes (a policer per
	// bandwidth profile, a port's encapsulation) included: ownership is decided in the
	// per-target order, so concurrent deletes and creates never lose track of a sharer.
	for _, r := range back.Residue {
		t.Errorf("left on the devices: %s", r)
	}
}
