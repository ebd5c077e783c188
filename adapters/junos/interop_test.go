package junos_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters/junos/sim"
)

// requireTool skips when a tool is missing, unless XPROV_REQUIRE_INTEROP is set (make test),
// where a missing tool is a failure.
func requireTool(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("XPROV_REQUIRE_INTEROP") != "" {
		t.Fatalf("%s is missing and XPROV_REQUIRE_INTEROP is set (run .ci/deps)", what)
	}
	t.Skipf("%s is missing; set XPROV_REQUIRE_INTEROP=1 to make this a failure", what)
}

// systemPython is Debian's python3: the one on PATH may be a pyenv shim that cannot see the
// python3-* packages (PROTOCOLS.md §0.7).
const systemPython = "/usr/bin/python3"

func hasNcclient() bool {
	if _, err := os.Stat(systemPython); err != nil {
		return false
	}
	return exec.Command(systemPython, "-c", "import ncclient").Run() == nil
}

// TestInteropNcclient drives the simulator with python3-ncclient: connect, capabilities, lock,
// edit-config, validate, commit, get-config with a filter, a confirmed commit that rolls
// back, an rpc-error for an invalid change, unlock and close. ncclient offers base:1.1, so
// the session runs in chunked framing.
func TestInteropNcclient(t *testing.T) {
	requireTool(t, "python3-ncclient", hasNcclient())
	d, err := sim.New(sim.Options{Name: "pe7", User: testUser, Password: testPass})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	host, port, _ := strings.Cut(d.Addr(), ":")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, systemPython, "testdata/ncclient_sim.py", host, port, testUser, testPass)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ncclient against the simulator: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\nok\n") {
		t.Fatalf("ncclient script did not finish:\n%s", out)
	}
	if !d.RunningHas("set protocols l2circuit neighbor 10.255.0.9 interface ge-0/0/2.200 virtual-circuit-id 200") {
		t.Errorf("running config lacks the l2circuit ncclient committed:\n%s", strings.Join(d.RunningSet(), "\n"))
	}
	for _, l := range d.RunningSet() {
		if strings.Contains(l, "never confirmed") || strings.Contains(l, "CUST-X") {
			t.Errorf("running config still holds %q", l)
		}
	}
}
