package main

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/xprov/xprov/adapters/junos/sim"
)

// runSim runs `xprov sim junos ...` on a fresh command tree; it returns stdout (and the
// error) and the exit code main would use.
func runSim(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := &cobra.Command{Use: "xprov", SilenceUsage: true, SilenceErrors: true}
	s := &cobra.Command{Use: "sim"}
	s.AddCommand(simJunosCmd())
	root.AddCommand(s)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"sim", "junos"}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := 0
	if err := root.ExecuteContext(ctx); err != nil {
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		out.WriteString("error: " + err.Error())
	}
	return out.String(), code
}

// TestSimJunosFaultCLI drives a fleet's control endpoint with `xprov sim junos fault|status`.
func TestSimJunosFaultCLI(t *testing.T) {
	f, err := sim.NewFleet(sim.FleetOptions{Devices: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	srv := httptest.NewServer(f.ControlHandler())
	defer srv.Close()
	ctl := strings.TrimPrefix(srv.URL, "http://")

	if out, code := runSim(t, "fault", "--control", ctl, "pe2", "unreachable", "on"); code != 0 {
		t.Fatalf("fault: exit %d: %s", code, out)
	}
	out, code := runSim(t, "status", "--control", ctl)
	if code != 0 || !strings.Contains(out, "pe2\t") || !strings.Contains(out, "unreachable true") || !strings.Contains(out, "pe1\t") {
		t.Fatalf("status: exit %d: %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"pe1", "explode"}, 1, `unknown fault "explode"`},
		{[]string{"pe9", "clear"}, 1, `no device "pe9"`},
		{[]string{"pe1", "unreachable", "maybe"}, 2, "takes on or off"},
	} {
		out, code := runSim(t, append([]string{"fault", "--control", ctl}, tc.args...)...)
		if code != tc.code || !strings.Contains(out, tc.msg) {
			t.Errorf("fault %v: exit %d: %s, want exit %d with %q", tc.args, code, out, tc.code, tc.msg)
		}
	}
	// The password never comes from a flag the process list shows unless asked, and a missing
	// one is a usage error naming the variable.
	t.Setenv("XPROV_SIM_PASSWORD", "")
	if out, code := runSim(t, "--devices", "1", "--listen", "127.0.0.1:0"); code != 2 || !strings.Contains(out, "XPROV_SIM_PASSWORD") {
		t.Fatalf("no password: exit %d: %s", code, out)
	}
}
