package server

import (
	"bytes"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBusyPortFailsBeforeAnything: when the listen address is taken, Start fails at once,
// before printing the banner or a token, creating the database or starting simulators.
func TestBusyPortFailsBeforeAnything(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, demo := range []bool{true, false} {
		db := filepath.Join(t.TempDir(), "x.db")
		var out bytes.Buffer
		in, err := Start(t.Context(), Options{Demo: demo, Out: &out, Config: Config{Listen: busy.Addr().String(), DB: db}})
		if err == nil {
			in.Shutdown(t.Context())
			t.Fatalf("demo=%v: started on a busy port", demo)
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			t.Errorf("demo=%v: error %v, want one wrapping EADDRINUSE", demo, err)
		}
		if out.Len() != 0 {
			t.Errorf("demo=%v: printed before failing:\n%s", demo, out.String())
		}
		if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("demo=%v: the database was created (%v)", demo, err)
		}
	}
}
