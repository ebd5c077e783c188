package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateFileSurvivesRestart: what a simulator with a state file held comes back after a
// restart (same FDNs and properties, references intact), and a file that no longer fits the
// options is refused naming the object, loading nothing.
func TestStateFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sam.json")
	s1 := New(Options{Nodes: 3, User: "oss", Password: "pw", StateFile: path})
	ts := httptest.NewServer(s1)
	c := &client{t: t, url: ts.URL}
	for _, body := range []string{
		create("qos-mgr", obj("sapingress.Policy", m{"policyId": "203"}, obj("sapingress.Policer", m{"policerId": "1", "pir": "100000"}))),
		create("svc-mgr", epipe("100", site("10.255.2.1", obj("vll.L2AccessInterface", m{"portName": "1/1/3", "innerEncapValue": "100", "ingressQosPolicyId": "203"})))),
		create("svc-mgr", obj("vprn.Vprn", m{"serviceId": "300", "customerId": "1"}, obj("vprn.Site", m{"siteId": "10.255.2.2", "routeDistinguisher": "65000:300"},
			obj("vprn.L3AccessInterface", m{"interfaceName": "to-ce", "portName": "1/1/4", "ipAddress": "192.0.2.1/30"}),
			obj("pim.Interface", m{"interfaceName": "to-ce"})))),
		create("svc-mgr", epipe("101", "")),
		del("svc-mgr:service-101"),
	} {
		if code, out := c.call(body); code != 200 {
			t.Fatalf("%d %s", code, out)
		}
	}
	ts.Close()
	s2 := New(Options{Nodes: 3, StateFile: path})
	if err := s2.Restore(); err != nil {
		t.Fatal(err)
	}
	for _, fdn := range []string{"qos-mgr:sap-ingress-203:policer-1", "svc-mgr:service-100:10.255.2.1:sap-1/1/3:100", "svc-mgr:service-300:10.255.2.2:pim-interface-to-ce"} {
		if !s2.Exists(fdn) {
			t.Errorf("%s not restored", fdn)
		}
	}
	if s2.Exists("svc-mgr:service-101") {
		t.Error("a deleted service came back")
	}
	if got := s2.Props("svc-mgr:service-100:10.255.2.1:sap-1/1/3:100")["ingressQosPolicyId"]; got != "203" {
		t.Errorf("restored SAP policy = %q", got)
	}
	// The restored policy is in use: it cannot be deleted.
	ts2 := httptest.NewServer(s2)
	defer ts2.Close()
	c2 := &client{t: t, url: ts2.URL}
	s2.SetCredentials("oss", "pw")
	if code, out := c2.call(del("qos-mgr:sap-ingress-203")); code != 500 || !strings.Contains(out, "in use") {
		t.Errorf("restored reference lost: %d %s", code, out)
	}
	// Fewer ports than the file needs: refused, nothing loaded.
	s3 := New(Options{Nodes: 3, PortsPerNode: 3, StateFile: path})
	err := s3.Restore()
	if err == nil || !strings.Contains(err.Error(), "port 1/1/4 does not exist on sr2") {
		t.Fatalf("restore into a smaller lab: %v", err)
	}
	if s3.Count("epipe.Epipe") != 0 || s3.Count("sapingress.Policy") != 1 {
		t.Fatalf("a refused restore left objects: %d epipes, %d policies", s3.Count("epipe.Epipe"), s3.Count("sapingress.Policy"))
	}
	// No file: nothing to restore; no option: no file written.
	if err := New(Options{StateFile: filepath.Join(t.TempDir(), "none.json")}).Restore(); err != nil {
		t.Fatal(err)
	}
}

func control(t *testing.T, url, method, user, body string) (int, FaultState) {
	t.Helper()
	req, _ := http.NewRequest(method, url+"/control/faults", bytes.NewBufferString(body))
	req.SetBasicAuth(user, "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st FaultState
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &st)
	return resp.StatusCode, st
}

// TestControlEndpoint injects faults from outside: a SOAP fault on the n-th find, a whole
// simulator unreachable, then clears them; without the credentials nothing changes.
func TestControlEndpoint(t *testing.T) {
	s, c := setup(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	c.url = ts.URL
	if code, _ := control(t, ts.URL, "POST", "intruder", `{"unreachable": true}`); code != 401 {
		t.Fatalf("unauthenticated control: %d", code)
	}
	if code, _ := control(t, ts.URL, "POST", "oss", `{"colour": "red"}`); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	if code, st := control(t, ts.URL, "POST", "oss", `{"method": "find", "nth": 2, "message": "database busy"}`); code != 200 || len(st.Injections) != 1 {
		t.Fatalf("inject: %d %+v", code, st)
	}
	if code, _ := c.call(find("epipe.Epipe", "")); code != 200 {
		t.Fatal("first find failed")
	}
	if code, out := c.call(find("epipe.Epipe", "")); code != 500 || !strings.Contains(out, "database busy") {
		t.Fatalf("second find: %d %s", code, out)
	}
	if code, _ := c.call(find("epipe.Epipe", "")); code != 200 {
		t.Fatal("the injection outlived its count")
	}
	if code, st := control(t, ts.URL, "POST", "oss", `{"unreachable": true}`); code != 200 || !st.Unreachable {
		t.Fatalf("unreachable: %d %+v", code, st)
	}
	resp, err := http.Post(ts.URL+"/xmlapi/invoke", "text/xml", strings.NewReader("<x/>"))
	if err == nil {
		resp.Body.Close()
		t.Fatal("an unreachable SAM answered")
	}
	if code, st := control(t, ts.URL, "DELETE", "oss", ""); code != 200 || st.Unreachable || len(st.Injections) != 0 {
		t.Fatalf("clear: %d %+v", code, st)
	}
	if code, _ := c.call(find("epipe.Epipe", "")); code != 200 {
		t.Fatal("still failing after clear")
	}
}
