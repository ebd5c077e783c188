package sam_test

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/adapters/sam/sim"
)

// TestFrozenSAMTimesOut: a SAM that stops answering fails a create within one call timeout
// (a timed-out read is not retried: three attempts made a frozen SAM hold a create 90 s), with
// an error naming the SAM, the object and the request.
func TestFrozenSAMTimesOut(t *testing.T) {
	b := setup(t, func(o *sam.Options) { o.CallTimeout = 300 * time.Millisecond })
	b.sim.SetLatency(time.Hour)
	tx, err := b.target.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctxT(t))
	start := time.Now()
	err = tx.Prepare(ctxT(t), createCS(t, eline("100")[0]), adapters.PrepareOptions{})
	took := time.Since(start)
	const want = "sam1: prepare epipe.Epipe[100]: no reply to find epipe.Epipe within 300ms (the call timeout); xprov closed the connection; nothing of this change set was applied: unreachable"
	if !errors.Is(err, adapters.ErrUnreachable) || err.Error() != want {
		t.Fatalf("prepare on a frozen SAM:\n%v\nwant:\n%s", err, want)
	}
	if took > time.Second {
		t.Fatalf("prepare took %v with a 300ms call timeout", took)
	}
	if n := b.sim.Requests(); n != 1 {
		t.Fatalf("%d requests to a frozen SAM, want 1 (no retry after a timeout)", n)
	}
}

// TestConnectionDropSaysWhatXprovDid cuts the connection while a request is in flight.
func TestConnectionDropSaysWhatXprovDid(t *testing.T) {
	tests := []struct {
		name string
		inj  sim.Injection
		want error
		msg  string // "" when the prepare must succeed
	}{
		{"create cut off, not applied", sim.Injection{Method: "generic.GenericObject.configureChildInstance", Drop: true}, adapters.ErrPossiblyApplied,
			"sam1: prepare epipe.Epipe[100]: connection to the SAM closed during configureChildInstance (EOF); the SAM may have applied it; xprov undid the 1 change(s) of this prepare, that one included, so nothing of it is left: possibly applied"},
		{"create cut off after it was applied", sim.Injection{Method: "generic.GenericObject.configureChildInstance", Drop: true, Apply: true}, adapters.ErrPossiblyApplied,
			"sam1: prepare epipe.Epipe[100]: connection to the SAM closed during configureChildInstance (EOF); the SAM may have applied it; xprov undid the 1 change(s) of this prepare, that one included, so nothing of it is left: possibly applied"},
		{"second create cut off", sim.Injection{Method: "generic.GenericObject.configureChildInstance", Nth: 2, Drop: true, Apply: true}, adapters.ErrPossiblyApplied,
			"sam1: prepare epipe.Epipe[100]/epipe.Site[10.255.2.1]: connection to the SAM closed during configureChildInstance (EOF); the SAM may have applied it; xprov undid the 2 change(s) of this prepare, that one included, so nothing of it is left: possibly applied"},
		{"a read cut off is retried", sim.Injection{Method: "find", Drop: true}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.sim.Inject(tc.inj)
			tx, err := prepare(t, b, createCS(t, eline("100")...))
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("prepare: %v", err)
				}
				if err := tx.Commit(ctxT(t)); err != nil || !b.sim.Exists("svc-mgr:service-100") {
					t.Fatalf("commit: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) || err.Error() != tc.msg {
				t.Fatalf("prepare:\n%v\nwant %v:\n%s", err, tc.want, tc.msg)
			}
			if err := tx.Rollback(ctxT(t)); err != nil {
				t.Fatalf("rollback: %v", err)
			}
			if b.sim.Exists("svc-mgr:service-100") {
				t.Fatal("the service is left on the SAM")
			}
		})
	}
}

// TestTLS: over HTTPS the SAM's certificate is checked by default; a CA file makes a private
// CA trusted; InsecureSkipVerify accepts anything.
func TestTLS(t *testing.T) {
	s := sim.New(sim.Options{Nodes: 1, User: "oss", Password: "s3cret"})
	ts := httptest.NewUnstartedServer(s)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	ts.StartTLS()
	defer ts.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		mod     func(*sam.Options)
		wantErr string
	}{
		{"checked by default", func(*sam.Options) {}, "the SAM's certificate is not trusted: set ca_file"},
		{"ca file", func(o *sam.Options) { o.CAFile = caFile }, ""},
		{"insecure", func(o *sam.Options) { o.InsecureSkipVerify = true }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := sam.Options{Name: "sam1", URL: ts.URL, User: "oss", Password: "s3cret", CallTimeout: 5 * time.Second, ReadRetries: -1}
			tc.mod(&o)
			tg, err := sam.New(o)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			_, err = tg.Discover(ctxT(t))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("discover: %v", err)
				}
				return
			}
			if !errors.Is(err, adapters.ErrUnreachable) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("discover: %v, want ErrUnreachable saying %q", err, tc.wantErr)
			}
		})
	}
	// A CA file that holds no certificate is refused at once.
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sam.New(sam.Options{Name: "sam1", URL: ts.URL, CAFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("New with a bad CA file: %v", err)
	}
}
