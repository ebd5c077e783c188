package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateFileKeepsRunningAcrossRestarts: with a state file, a fleet saves every commit in
// the background and a new fleet on the same file starts with the saved configurations.
func TestStateFileKeepsRunningAcrossRestarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "junos-state.json")
	const line = "set interfaces ge-0/0/1 description \"cust: \\\"A\\\" & co\""
	f, err := NewFleet(FleetOptions{Devices: 2, StateFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Device("pe2").LoadSet(line + "\nset routing-instances V instance-type vrf route-distinguisher 65000:1 vrf-target target:65000:1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the background save", func() bool {
		b, _ := os.ReadFile(file)
		return strings.Contains(string(b), "routing-instances V")
	})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	g, err := NewFleet(FleetOptions{Devices: 2, StateFile: file})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	pe2 := g.Device("pe2")
	if !pe2.RunningHas(`set interfaces ge-0/0/1 description "cust: \"A\" & co"`) || !pe2.RunningHas("set routing-instances V route-distinguisher 65000:1") {
		t.Fatalf("pe2 after restart:\n%s", strings.Join(pe2.RunningSet(), "\n"))
	}
	if g.Device("pe1").RunningHas("set routing-instances V instance-type vrf") {
		t.Fatal("pe1 got pe2's configuration")
	}
	// Without a state file devices start fresh (tests).
	h, err := NewFleet(FleetOptions{Devices: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Device("pe2").RunningHas("set routing-instances V instance-type vrf") {
		t.Fatal("a fleet without a state file kept state")
	}
}

func TestBrokenStateFileStopsTheFleet(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage":    "{not json",
		"version":    `{"version": 7, "devices": {}}`,
		"bad config": `{"version": 1, "devices": {"pe1": ["set frobnicate widget w1"]}}`,
	} {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if f, err := NewFleet(FleetOptions{Devices: 1, StateFile: file}); err == nil || !strings.Contains(err.Error(), file) {
			if f != nil {
				f.Close()
			}
			t.Errorf("%s: NewFleet = %v, want an error naming the file", name, err)
		}
	}
}
