package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Duration is a time.Duration written in configuration files as a Go duration string
// ("30s", "2m").
type Duration time.Duration

// UnmarshalJSON reads a duration string; it must be positive.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"30s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	if v <= 0 {
		return fmt.Errorf("duration %q: must be positive", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// or returns d, or def when d is zero.
func (d Duration) or(def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}

// HTTPConfig bounds what one client can hold of the HTTP server. Zero values take the
// defaults.
type HTTPConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers (default 10s).
	ReadHeaderTimeout Duration `json:"read_header_timeout,omitempty"`
	// ReadTimeout bounds reading a whole request, headers and body (default 30s): a client
	// trickling its body is cut off. Once the body is read the bound is lifted, so a request
	// that legitimately lasts long (?wait=true, the event stream) is not cancelled by it.
	ReadTimeout Duration `json:"read_timeout,omitempty"`
	// WriteTimeout bounds each write of a response (default 60s): every write (and flush)
	// gets this long from its start, so a response that is produced late (?wait=true) or a
	// stream that lasts hours (events) is fine, and a client that stops reading is cut off.
	WriteTimeout Duration `json:"write_timeout,omitempty"`
	// IdleTimeout bounds how long a kept-alive connection waits for its next request
	// (default 2m).
	IdleTimeout Duration `json:"idle_timeout,omitempty"`
}

// Default HTTP timeouts.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// newHTTPServer returns the HTTP server for h with the timeouts of c.
func newHTTPServer(h http.Handler, c HTTPConfig, log *slog.Logger) *http.Server {
	wt := c.WriteTimeout.or(DefaultWriteTimeout)
	return &http.Server{
		Handler:           deadlines(h, wt),
		ReadHeaderTimeout: c.ReadHeaderTimeout.or(DefaultReadHeaderTimeout),
		ReadTimeout:       c.ReadTimeout.or(DefaultReadTimeout),
		WriteTimeout:      wt,
		IdleTimeout:       c.IdleTimeout.or(DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// deadlines adapts the server's connection deadlines to requests that last: net/http sets the
// read deadline (ReadTimeout) and the write deadline (WriteTimeout) once per request, from its
// start. Here the read deadline is lifted once the body has been read (net/http then watches
// the connection for the client going away, and a read deadline passing there would cancel
// the request's context), and the write deadline is moved to now+writeTimeout before every
// write and flush, through http.ResponseController.
func deadlines(h http.Handler, writeTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if r.Body == nil || r.Body == http.NoBody {
			_ = rc.SetReadDeadline(time.Time{})
		} else {
			r.Body = &liftOnEOF{ReadCloser: r.Body, rc: rc}
		}
		h.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc, timeout: writeTimeout}, r)
	})
}

// liftOnEOF lifts the connection's read deadline when the request body has been read whole.
type liftOnEOF struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *liftOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.lifted {
		b.lifted = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// deadlineWriter gives every write and flush of a response timeout to complete.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *deadlineWriter) extend() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout)) }

// WriteHeader implements http.ResponseWriter.
func (w *deadlineWriter) WriteHeader(code int) {
	w.extend()
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.extend()
	return w.ResponseWriter.Write(b)
}

// FlushError flushes buffered data to the client (http.ResponseController prefers it).
func (w *deadlineWriter) FlushError() error {
	w.extend()
	return w.rc.Flush()
}

// Flush implements http.Flusher.
func (w *deadlineWriter) Flush() { _ = w.FlushError() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
