package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

// ttyBuffer stands in for a terminal; stdout and stderr share it as on a real terminal.
type ttyBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	tty bool
}

func (b *ttyBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *ttyBuffer) Terminal() (bool, int) { return b.tty, 60 }

func (b *ttyBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// slowRunServer answers a create with a pending run that runs for three polls.
func slowRunServer(t *testing.T) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	polls := 0
	mux := http.NewServeMux()
	run := store.Run{ID: "run-1", Service: "s1", Kind: store.RunCreate, State: store.RunPending}
	mux.HandleFunc("POST /api/v1/services", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(run)
	})
	mux.HandleFunc("GET /api/v1/runs/run-1", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		polls++
		n := polls
		mu.Unlock()
		d := rest.RunDetail{Run: run}
		d.State = store.RunRunning
		for i := range min(n, 3) {
			d.Journal = append(d.Journal, store.JournalEntry{RunID: "run-1", Seq: int64(i + 1), Step: "prepare:pe1", Phase: "begin"})
		}
		if n > 3 {
			d.State = store.RunSucceeded
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(d)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestProgressOutput checks that the progress display never mixes into the result: on a
// terminal it is erased before the table is printed; off a terminal and with -o json it is
// not drawn at all.
func TestProgressOutput(t *testing.T) {
	tests := []struct {
		name     string
		tty      bool
		output   string
		wantDraw bool
	}{
		{"terminal table", true, "table", true},
		{"terminal json", true, "json", false},
		{"pipe table", false, "table", false},
		{"pipe json", false, "json", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := slowRunServer(t)
			term := &ttyBuffer{tty: tc.tty}
			var stdout bytes.Buffer
			root := &cobra.Command{Use: "xprov", SilenceUsage: true, SilenceErrors: true}
			root.AddCommand(clientCommands()...)
			// The result goes to both the shared terminal and a buffer of its own.
			root.SetOut(&multi{term, &stdout})
			root.SetErr(term)
			root.SetArgs([]string{"service", "create", "--type", "eline", "--intent", `{}`, "-o", tc.output,
				"--server", srv.URL, "--token", "t"})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := root.ExecuteContext(ctx); err != nil {
				var ee *exitError
				errors.As(err, &ee)
				t.Fatalf("create: %v (%v)", err, ee)
			}
			all := term.String()
			drew := strings.Contains(all, "prepare:pe1")
			if drew != tc.wantDraw {
				t.Fatalf("progress drawn = %v, want %v; terminal:\n%q", drew, tc.wantDraw, all)
			}
			if strings.ContainsAny(stdout.String(), "\r\x1b⠋⠙⠹") {
				t.Errorf("stdout holds progress output: %q", stdout.String())
			}
			// Everything the display drew is erased before the result starts.
			res := strings.Index(all, stdout.String())
			if res < 0 {
				t.Fatalf("terminal lacks the result:\n%q", all)
			}
			before, after := all[:res], all[res+len(stdout.String()):]
			if after != "" {
				t.Errorf("output after the result: %q", after)
			}
			if tc.wantDraw && !strings.HasSuffix(before, "\r\x1b[2K") {
				t.Errorf("progress not erased before the result: %q", before)
			}
			if !tc.wantDraw && before != "" {
				t.Errorf("progress output off a terminal: %q", before)
			}
			if tc.output == "json" {
				var r store.Run
				if err := json.Unmarshal(stdout.Bytes(), &r); err != nil || r.State != store.RunSucceeded {
					t.Errorf("json result %q: %v", stdout.String(), err)
				}
			}
		})
	}
}

// multi writes to every writer (io.MultiWriter would hide the Terminal method of none; the
// result writer must not look like a terminal).
type multi []interface{ Write([]byte) (int, error) }

func (m *multi) Write(p []byte) (int, error) {
	for _, w := range *m {
		if _, err := w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func TestProgressLine(t *testing.T) {
	b := &ttyBuffer{tty: true}
	p := newProgress(b, true)
	p.update(progressText("r1", "prepare:pe1", "begin"), 1)
	p.update(strings.Repeat("x", 200), 2)
	p.done()
	p.done()
	lines := strings.Split(b.String(), "\r")
	for _, l := range lines {
		l = strings.TrimSuffix(strings.TrimSuffix(l, "\x1b[K"), "\x1b[2K")
		if n := len([]rune(l)); n > 59 {
			t.Errorf("line of %d runes wraps a 60-column terminal: %q", n, l)
		}
	}
	if got := b.String(); !strings.HasSuffix(got, "\r\x1b[2K") || strings.Count(got, "\x1b[2K") != 1 {
		t.Errorf("done: %q", got)
	}
	if p := newProgress(&bytes.Buffer{}, true); p.w != nil {
		t.Error("a buffer is not a terminal")
	}
}
