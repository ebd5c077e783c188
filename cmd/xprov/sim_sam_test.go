package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/xprov/xprov/adapters/sam/sim"
)

func samCmd(t *testing.T) *cobra.Command {
	t.Helper()
	for _, c := range simCmd.Commands() {
		if c.Name() == "sam" {
			return c
		}
	}
	t.Fatal("no sim sam command")
	return nil
}

// xprov runs this test binary as the xprov command (TestMain) with the environment given.
func xprov(ctx context.Context, t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(append(os.Environ(), asXprov+"=1"), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

const pingEnv = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><header xmlns="xmlapi_1.0">` +
	`<security><user>admin</user><password hashed="false">%s</password></security><requestID>t:1</requestID></header></soap:Header>` +
	`<soap:Body><ping xmlns="xmlapi_1.0"/></soap:Body></soap:Envelope>`

// TestSimSAMCommand: the password comes from XPROV_SAM_PASSWORD, the default port is not
// serve's, and --state loads a state file (a broken one stops the start, exit 2).
func TestSimSAMCommand(t *testing.T) {
	if f := samCmd(t).Flags().Lookup("listen"); f.DefValue == "127.0.0.1:8080" {
		t.Fatal("sim sam defaults to serve's port")
	}
	env := []string{samPasswordEnv + "=from-env"}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"version":1,"objects":[{"parent":"svc-mgr","class":"vll.Epipe","props":{}}]}`), 0o600)
	out, err := xprov(t.Context(), t, env, "sim", "sam", "--listen", "127.0.0.1:0", "--state", bad).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "unknown class vll.Epipe") {
		t.Fatalf("broken state file: %v\n%s", err, out)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := xprov(ctx, t, env, "sim", "sam", "--listen", "127.0.0.1:0", "--state", filepath.Join(dir, "state.json"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var url string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "SAM simulator listening on "); ok {
			url = u
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if url == "" {
		t.Fatal("no URL printed")
	}
	for pw, want := range map[string]int{"from-env": 200, "admin": 500} {
		resp, err := http.Post(url+"/xmlapi/invoke", "text/xml", strings.NewReader(fmt.Sprintf(pingEnv, pw)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("password %q: status %d, want %d", pw, resp.StatusCode, want)
		}
	}
	cancel()
	_ = cmd.Wait()
}

// TestSimSAMFault drives the control endpoint from the command line.
func TestSimSAMFault(t *testing.T) {
	s := sim.New(sim.Options{User: "admin", Password: "pw"})
	ts := httptest.NewServer(s)
	defer ts.Close()
	pw := samPasswordEnv + "=pw"
	run := func(args ...string) (string, error) {
		out, err := xprov(t.Context(), t, []string{pw}, append([]string{"sim", "sam", "fault", "--url", ts.URL}, args...)...).CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%w: %s", err, out)
		}
		return string(out), err
	}
	if out, err := run("--method", "find", "--nth", "3", "--message", "db locked"); err != nil || !strings.Contains(out, `"Message":"db locked"`) {
		t.Fatalf("inject: %v %s", err, out)
	}
	if got := s.Faults(); len(got.Injections) != 1 || got.Injections[0].Nth != 3 || got.Injections[0].Message != "db locked" {
		t.Fatalf("faults = %+v", got)
	}
	if _, err := run("--unreachable"); err != nil || !s.Faults().Unreachable || len(s.Faults().Injections) != 1 {
		t.Fatalf("unreachable: %v %+v", err, s.Faults())
	}
	if _, err := run("--clear"); err != nil || s.Faults().Unreachable || len(s.Faults().Injections) != 0 {
		t.Fatalf("clear: %v %+v", err, s.Faults())
	}
	pw = samPasswordEnv + "=wrong"
	if _, err := run("--busy"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v", err)
	}
	if s.Faults().Busy {
		t.Fatal("an unauthenticated call changed the simulator")
	}
}
