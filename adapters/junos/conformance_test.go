package junos_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/adaptertest"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

const (
	testUser = "lab"
	testPass = "lab123"
)

// startDevice starts a simulated device and returns it with a client that checks its host
// key against a known_hosts file.
func startDevice(t testing.TB, opts sim.Options, tweak func(*junos.Config)) (*sim.Device, *junos.Client) {
	t.Helper()
	if opts.User == "" {
		opts.User, opts.Password = testUser, testPass
	}
	d, err := sim.New(opts)
	if err != nil {
		t.Fatalf("sim: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	kh := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{d.Addr()}, d.HostKey())
	if err := os.WriteFile(kh, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := junos.Config{
		Name: d.Name(), Address: d.Addr(), User: opts.User, Password: opts.Password,
		KnownHostsFile: kh, DialTimeout: 5 * time.Second, CallTimeout: 10 * time.Second,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := junos.New(cfg)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return d, c
}

func p(s string) config.Path {
	path, err := config.ParsePath(s)
	if err != nil {
		panic(err)
	}
	return path
}

func leaves(pairs ...string) []config.Leaf {
	var out []config.Leaf
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, config.Leaf{Path: p(pairs[i]), Value: pairs[i+1]})
	}
	return out
}

// elineSample is the E-LINE (l2circuit) configuration of PROTOCOLS.md §4.
func elineSample() []config.Leaf {
	return leaves(
		"interfaces/interface[ge-0/0/1]", "",
		"interfaces/interface[ge-0/0/1]/flexible-vlan-tagging", "",
		"interfaces/interface[ge-0/0/1]/encapsulation", "flexible-ethernet-services",
		"interfaces/interface[ge-0/0/1]/unit[100]", "",
		"interfaces/interface[ge-0/0/1]/unit[100]/encapsulation", "vlan-ccc",
		"interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "100",
		"interfaces/interface[ge-0/0/1]/unit[100]/description", "E-LINE 100 to pe2 <cust & co>",
		"protocols/l2circuit/neighbor[10.255.0.2]", "",
		"protocols/l2circuit/neighbor[10.255.0.2]/interface[ge-0/0/1.100]", "",
		"protocols/l2circuit/neighbor[10.255.0.2]/interface[ge-0/0/1.100]/virtual-circuit-id", "100",
	)
}

// TestConformance runs the adapter conformance suite in both RFC 6242 framings: chunked
// (base:1.1, which both the simulator and the adapter offer by default) and end-of-message
// (the simulator does not offer base:1.1, as Junos without `netconf rfc-compliant`).
func TestConformance(t *testing.T) {
	framings := []struct {
		name string
		opts sim.Options
		want junos.Framing
	}{
		{name: "chunked", opts: sim.Options{Name: "pe1"}, want: junos.FramingChunked},
		{name: "eom", opts: sim.Options{Name: "pe1", DisableBase11: true}, want: junos.FramingEOM},
	}
	for _, fr := range framings {
		t.Run(fr.name, func(t *testing.T) {
			adaptertest.Run(t, func(t *testing.T) adaptertest.Harness {
				d, c := startDevice(t, fr.opts, nil)
				t.Cleanup(func() {
					// Registered after startDevice's Close, so it runs first; subtests
					// that never connect leave the framing empty.
					if got := c.Framing(); got != "" && got != fr.want {
						t.Errorf("session framing %q, want %q", got, fr.want)
					}
				})
				return conformanceHarness(d, c)
			})
		})
	}
}

func conformanceHarness(d *sim.Device, c *junos.Client) adaptertest.Harness {
	return adaptertest.Harness{
		Target: c,
		Sample: elineSample(),
		Update: leaves(
			"interfaces/interface[ge-0/0/1]/unit[100]/description", "E-LINE 100 renamed",
			"protocols/l2circuit/neighbor[10.255.0.2]/interface[ge-0/0/1.100]/virtual-circuit-id", "200",
		),
		Invalid: leaves(
			"routing-instances/instance[CUST-A]", "",
			"routing-instances/instance[CUST-A]/instance-type", "vrf",
			"routing-instances/instance[CUST-A]/vrf-target", "target:65000:300",
		),
		Roots:     []config.Path{p("interfaces/interface[ge-0/0/1]"), p("protocols/l2circuit")},
		Device:    d.Name(),
		OpCommand: "show l2circuit connections",
	}
}

var _ adapters.Target = (*junos.Client)(nil)
