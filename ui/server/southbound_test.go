package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/sam/sim"
)

// TestConfigSAM: the SAM settings of the config file reach the adapter: the call timeout
// bounds a frozen SAM, the certificate is checked unless insecure_skip_verify (which logs a
// warning, without the password).
func TestConfigSAM(t *testing.T) {
	s := sim.New(sim.Options{Nodes: 1, User: "oss", Password: "s3cret-pw"})
	plain := httptest.NewServer(s)
	defer plain.Close()
	tlsSrv := httptest.NewUnstartedServer(s)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	tests := []struct {
		name     string
		sam      SAMConfig
		freeze   bool
		wantErr  string // from Discover
		wantWarn bool
	}{
		{name: "frozen SAM bounded by call_timeout", sam: SAMConfig{URL: plain.URL, CallTimeout: Duration(300 * time.Millisecond)}, freeze: true,
			wantErr: "no reply to find netw.NetworkElement within 300ms"},
		{name: "certificate checked", sam: SAMConfig{URL: tlsSrv.URL}, wantErr: "certificate is not trusted"},
		{name: "insecure_skip_verify warns", sam: SAMConfig{URL: tlsSrv.URL, InsecureSkipVerify: true}, wantWarn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.sam.Name, tc.sam.User, tc.sam.PasswordEnv = "sam1", "oss", "SAM_PW"
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			ts, err := configTargets(Config{SAMs: []SAMConfig{tc.sam}}, func(string) string { return "s3cret-pw" }, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer ts[0].Close()
			if tc.freeze {
				s.SetLatency(time.Hour)
				defer s.SetLatency(0)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, err = ts[0].Discover(ctx)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("discover: %v", err)
			case tc.wantErr != "" && (!errors.Is(err, adapters.ErrUnreachable) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("discover: %v, want ErrUnreachable saying %q", err, tc.wantErr)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("discover took %v", time.Since(start))
			}
			if warned := strings.Contains(logs.String(), "insecure_skip_verify"); warned != tc.wantWarn {
				t.Fatalf("warning logged: %v, want %v:\n%s", warned, tc.wantWarn, logs.String())
			}
			if strings.Contains(logs.String(), "s3cret-pw") {
				t.Fatal("the password is in the log")
			}
		})
	}
}
