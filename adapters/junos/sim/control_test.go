package sim

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func postFault(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestControlEndpoint injects faults over HTTP as a demo or a black-box test does.
func TestControlEndpoint(t *testing.T) {
	f := newTestFleet(t, 2)
	srv := httptest.NewServer(f.ControlHandler())
	defer srv.Close()
	pe1 := f.Device("pe1")

	code, body := postFault(t, srv.URL+"/devices/pe1/faults", `{"fault": "commit-error", "message": "mgd: disk full"}`)
	if code != http.StatusNoContent {
		t.Fatalf("inject: %d %s", code, body)
	}
	s := simSession(t, pe1)
	mustOK(t, s, editService(1))
	if out := rpc(t, s, el("commit")); !strings.Contains(out, "mgd: disk full") {
		t.Fatalf("commit after the injected error: %s", out)
	}
	mustOK(t, s, el("commit")) // the fault was for one commit

	// Unreachable: connections close before SSH; clear makes the device reachable again.
	if code, body := postFault(t, srv.URL+"/devices/pe1/faults", `{"fault": "unreachable", "on": true}`); code != http.StatusNoContent {
		t.Fatalf("inject: %d %s", code, body)
	}
	c, err := net.Dial("tcp", pe1.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("unreachable device answered: %d bytes, %v", n, err)
	}
	c.Close()
	resp, err := http.Get(srv.URL + "/devices")
	if err != nil {
		t.Fatal(err)
	}
	var st []DeviceStatus
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || len(st) != 2 || !st[0].Unreachable || st[0].Commits != 1 {
		t.Fatalf("status %+v, %v", st, err)
	}
	resp.Body.Close()
	if code, body := postFault(t, srv.URL+"/devices/pe1/faults", `{"fault": "clear"}`); code != http.StatusNoContent {
		t.Fatalf("clear: %d %s", code, body)
	}
	if pe1.unreachable.Load() {
		t.Fatal("clear left the device unreachable")
	}

	for _, tc := range []struct {
		path, body string
		code       int
	}{
		{"/devices/pe9/faults", `{"fault": "clear"}`, http.StatusNotFound},
		{"/devices/pe1/faults", `{"fault": "explode"}`, http.StatusUnprocessableEntity},
		{"/devices/pe1/faults", `{"fault": "delay", "duration": "forever"}`, http.StatusUnprocessableEntity},
		{"/devices/pe1/faults", `{"fault": "clear", "colour": "red"}`, http.StatusBadRequest},
		{"/devices/pe1/faults", `{"fault": "commit-error"}`, http.StatusUnprocessableEntity},
	} {
		if code, body := postFault(t, srv.URL+tc.path, tc.body); code != tc.code {
			t.Errorf("POST %s %s: %d %s, want %d", tc.path, tc.body, code, body, tc.code)
		}
	}
}
