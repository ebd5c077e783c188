package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// serveWith serves h with newHTTPServer and the given timeouts; it returns the address.
func serveWith(t *testing.T, h http.Handler, c HTTPConfig) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(h, c, slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// trickle sends a request with a 1000-byte body announced, one byte every 100ms, and reports
// how long the server kept the connection open (reading its answer until it closes).
func trickle(t *testing.T, addr, head string) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "%sContent-Length: 1000\r\n\r\n", head); err != nil {
		t.Fatal(err)
	}
	closed := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes the connection
		closed <- string(b)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < 1000; i++ {
		select {
		case reply := <-closed:
			return time.Since(start), reply
		case <-tick.C:
			if _, err := conn.Write([]byte("x")); err != nil {
				return time.Since(start), <-closed
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the connection is still open after 20s")
		}
	}
	t.Fatal("the server read the whole trickled body")
	return 0, ""
}

func TestHTTPTimeouts(t *testing.T) {
	short := HTTPConfig{ReadTimeout: Duration(300 * time.Millisecond), WriteTimeout: Duration(300 * time.Millisecond)}
	t.Run("a slow body is cut off", func(t *testing.T) {
		readErr := make(chan error, 1)
		addr := serveWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			readErr <- err
			if err != nil {
				http.Error(w, "body: "+err.Error(), http.StatusRequestTimeout)
			}
		}), short)
		held, _ := trickle(t, addr, "POST /x HTTP/1.1\r\nHost: x\r\n")
		if held > 3*time.Second {
			t.Fatalf("a client trickling its body held the connection %v with a 300ms read timeout", held)
		}
		if err := <-readErr; err == nil {
			t.Fatal("the handler read the trickled body without an error")
		}
	})

	// Requests that last longer than both timeouts once their body is in: a late answer
	// (?wait=true), an answer to a request without a body, and a stream (the events).
	tests := []struct {
		name    string
		method  string
		body    string
		handler http.HandlerFunc
		want    string
	}{
		{"late answer after a body", "POST", `{"a":1}`, func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				http.Error(w, "cancelled", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, "done %s", b)
		}, `done {"a":1}`},
		{"late answer without a body", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(time.Second):
			case <-r.Context().Done():
				http.Error(w, "cancelled", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, "done")
		}, "done"},
		{"stream", "GET", "", func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for i := range 8 {
				fmt.Fprintf(w, "event %d\n", i)
				if err := rc.Flush(); err != nil {
					return
				}
				time.Sleep(150 * time.Millisecond)
			}
		}, "event 0\nevent 1\nevent 2\nevent 3\nevent 4\nevent 5\nevent 6\nevent 7\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr := serveWith(t, tc.handler, short)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, tc.method, "http://"+addr+"/x", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			defer res.Body.Close()
			got, err := io.ReadAll(res.Body)
			if err != nil || res.StatusCode != http.StatusOK || string(got) != tc.want {
				t.Fatalf("got %d %q (%v), want 200 %q", res.StatusCode, got, err, tc.want)
			}
		})
	}

	t.Run("a client that stops reading is cut off", func(t *testing.T) {
		done := make(chan error, 1)
		addr := serveWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for {
				if _, err := w.Write(chunk); err != nil {
					done <- err
					return
				}
			}
		}), short)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprint(conn, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil { // the status line, then no more reading
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the server is still writing to a client that stopped reading")
		}
	})
}

// TestSlowBodyAgainstTheAPI trickles a service creation body to a real server.
func TestSlowBodyAgainstTheAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	in, err := Start(ctx, Options{Config: Config{Listen: "127.0.0.1:0", DB: t.TempDir() + "/x.db",
		HTTP: HTTPConfig{ReadTimeout: Duration(500 * time.Millisecond)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Shutdown(context.Background())
	addr := strings.TrimPrefix(in.URL, "http://")
	held, reply := trickle(t, addr, "POST /api/v1/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+in.Token+"\r\nContent-Type: application/json\r\n")
	if held > 4*time.Second {
		t.Fatalf("a client trickling its body held the connection %v with a 500ms read timeout", held)
	}
	t.Logf("cut off after %v; reply %.120q", held.Round(time.Millisecond), reply)
}

func TestLoadConfigDurations(t *testing.T) {
	tests := []struct {
		name, json string
		want       HTTPConfig
		wantErr    string
	}{
		{"set", `{"http": {"read_timeout": "5s", "write_timeout": "2m", "idle_timeout": "90s", "read_header_timeout": "1s"}}`,
			HTTPConfig{ReadTimeout: Duration(5 * time.Second), WriteTimeout: Duration(2 * time.Minute), IdleTimeout: Duration(90 * time.Second), ReadHeaderTimeout: Duration(time.Second)}, ""},
		{"defaults", `{}`, HTTPConfig{}, ""},
		{"not a duration", `{"http": {"read_timeout": "soon"}}`, HTTPConfig{}, "soon"},
		{"a number", `{"http": {"read_timeout": 5}}`, HTTPConfig{}, "want a string"},
		{"negative", `{"http": {"read_timeout": "-1s"}}`, HTTPConfig{}, "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := t.TempDir() + "/c.json"
			if err := os.WriteFile(f, []byte(tc.json), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || c.HTTP != tc.want {
				t.Fatalf("got %+v (%v), want %+v", c.HTTP, err, tc.want)
			}
		})
	}
}
