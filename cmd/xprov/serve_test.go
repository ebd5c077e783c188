package main

import (
	"bytes"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeBusyPort: `xprov serve` on a busy port fails with a usage exit code and a --listen
// hint, and prints no banner and no token.
func TestServeBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cmd := serveCmd()
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as under rootCmd
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs([]string{"--demo", "--listen", busy.Addr().String(), "--db", filepath.Join(t.TempDir(), "x.db")})
	err = cmd.ExecuteContext(t.Context())
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Fatalf("serve on a busy port: %v, want a usage error", err)
	}
	for _, want := range []string{busy.Addr().String(), "in use", "--listen"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if out.Len() != 0 {
		t.Errorf("printed before failing:\n%s", out.String())
	}
}
