package junos_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// TestFramingNegotiation checks which RFC 6242 framing a session ends up with, and that
// large replies (many chunks, many reads) come through in it. A framing the two sides did
// not both pick would fail the very first RPC.
func TestFramingNegotiation(t *testing.T) {
	tests := []struct {
		name      string
		simNo11   bool
		clientNo1 bool
		want      junos.Framing
	}{
		{name: "both offer base:1.1", want: junos.FramingChunked},
		{name: "device without base:1.1", simNo11: true, want: junos.FramingEOM},
		{name: "client DisableBase11", clientNo1: true, want: junos.FramingEOM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// 1500 ports make the interface-information reply span several 64 KiB chunks.
			_, c := startDevice(t, sim.Options{DisableBase11: tc.simNo11, Ports: 1500}, func(cfg *junos.Config) {
				cfg.DisableBase11 = tc.clientNo1
			})
			if got := c.Framing(); got != "" {
				t.Errorf("framing before the first session = %q, want empty", got)
			}
			ctx := ctxT(t)
			devs, err := c.Discover(ctx)
			if err != nil {
				t.Fatalf("discover: %v", err)
			}
			if len(devs) != 1 || len(devs[0].Ports) < 1500 {
				t.Fatalf("discover: %d devices, want one with 1500 ports", len(devs))
			}
			if got := c.Framing(); got != tc.want {
				t.Errorf("framing %q, want %q", got, tc.want)
			}
			if _, err := c.Fetch(ctx, nil); err != nil {
				t.Fatalf("fetch after discover: %v", err)
			}
		})
	}
}

// TestMaxReplyBytes checks that a reply larger than MaxReplyBytes ends the call as a
// transport failure in both framings instead of being buffered whole, and that the next call
// gets a fresh session.
func TestMaxReplyBytes(t *testing.T) {
	for _, no11 := range []bool{false, true} {
		name := map[bool]string{false: "chunked", true: "eom"}[no11]
		t.Run(name, func(t *testing.T) {
			_, c := startDevice(t, sim.Options{DisableBase11: no11, Ports: 1500}, func(cfg *junos.Config) {
				cfg.MaxReplyBytes = 64 << 10
			})
			ctx := ctxT(t)
			if _, err := c.Fetch(ctx, nil); err != nil {
				t.Fatalf("small fetch: %v", err)
			}
			_, err := c.Discover(ctx)
			if !errors.Is(err, adapters.ErrUnreachable) || !strings.Contains(err.Error(), "exceeds") {
				t.Fatalf("discover with a 64 KiB bound: %v, want ErrUnreachable (message exceeds)", err)
			}
			if _, err := c.Fetch(ctx, nil); err != nil {
				t.Fatalf("fetch after the oversize reply: %v", err)
			}
		})
	}
}
