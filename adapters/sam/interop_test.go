package sam_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters/sam/sim"
)

// python is Debian's interpreter: on the project's machines "python3" on PATH is a pyenv shim
// that cannot see python3-zeep (PROTOCOLS.md §0.7).
const python = "/usr/bin/python3"

// TestZeepInterop has zeep, a SOAP client nobody here wrote, load the simulator's WSDL and
// drive it through login, find, create and delete, and see faults for bad requests.
func TestZeepInterop(t *testing.T) {
	if err := exec.Command(python, "-c", "import zeep").Run(); err != nil {
		if os.Getenv("XPROV_REQUIRE_INTEROP") == "" {
			t.Skipf("%s cannot import zeep (%v); apt-get install python3-zeep, or set XPROV_REQUIRE_INTEROP=1 to make this a failure", python, err)
		}
		t.Fatalf("XPROV_REQUIRE_INTEROP is set but %s cannot import zeep: %v", python, err)
	}
	s := sim.New(sim.Options{Nodes: 2, User: "oss", Password: "zeep-pw"})
	ts := httptest.NewServer(s)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "testdata/zeep_interop.py", ts.URL+"/wsdl", "oss", "zeep-pw").CombinedOutput()
	t.Logf("zeep:\n%s", out)
	if err != nil {
		t.Fatalf("zeep interop: %v", err)
	}
	if s.Count("epipe.Epipe") != 0 {
		t.Fatal("zeep's epipe is still in the simulator after its delete")
	}
}
