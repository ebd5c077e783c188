package sim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time this process has used (user and system): cpu-ns/op, which a busy
// machine disturbs less than wall time, comes from it.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loaded returns a simulator holding n E-LINE services (ids 10001 on) spread over the three
// nodes, loaded without SOAP.
func loaded(tb testing.TB, n int) *Server {
	tb.Helper()
	s := New(Options{Nodes: 3, User: "oss", Password: "pw"})
	for i := 0; i < n; i++ {
		id := fmt.Sprint(10001 + i)
		near, far := s.nodes[i%3], s.nodes[(i+1)%3]
		j := i / 3
		if _, err := s.Create(svcMgrFDN, Object{Class: "epipe.Epipe", Props: map[string]string{"serviceId": id, "customerId": "1"},
			Children: []Object{{Class: "epipe.Site", Props: map[string]string{"siteId": near.Address}, Children: []Object{
				{Class: "vll.L2AccessInterface", Props: map[string]string{"portName": fmt.Sprintf("1/1/%d", 1+j/4000), "innerEncapValue": fmt.Sprint(1 + j%4000)}},
				{Class: "svt.SpokeSdpBinding", Props: map[string]string{"tunnelSelectionTerminationSiteId": far.Address, "vcId": id}},
			}}}}); err != nil {
			tb.Fatal(err)
		}
	}
	runtime.GC() // the load's garbage is not the first benchmark's cost
	return s
}

// invoke runs one SAM-O method through ServeHTTP, without a network in between, so that
// the simulator's own cost is what is measured.
func invoke(tb testing.TB, s *Server, method string) string {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/xmlapi/invoke", strings.NewReader(fmt.Sprintf(envFmt, 1, method))))
	if rec.Code != http.StatusOK {
		tb.Fatalf("%d: %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// BenchmarkRequests measures single requests on a simulator holding 100 or 20,000 services:
// finds with equality filters on indexed attributes, a service created and deleted, a
// modification. None of them may cost more with more services held.
func BenchmarkRequests(b *testing.B) {
	reqs := []struct {
		name   string
		method []string // run in turn; one op runs them all
		want   string   // in the first reply
	}{
		{"find/objectFullName", []string{find("epipe.Epipe", `<equal name="objectFullName" value="svc-mgr:service-10050"/>`)}, "<serviceId>10050</serviceId>"},
		{"find/serviceId", []string{find("epipe.Epipe", `<equal name="serviceId" value="10050"/>`)}, "<serviceId>10050</serviceId>"},
		{"find/sap-and", []string{find("vll.L2AccessInterface", `<and><equal name="portName" value="1/1/1"/><equal name="innerEncapValue" value="17"/></and>`)}, "<innerEncapValue>17</innerEncapValue>"},
		{"find/spoke-vcId", []string{find("svt.SpokeSdpBinding", `<equal name="vcId" value="10050"/>`)}, "<vcId>10050</vcId>"},
		{"create+delete", []string{create("svc-mgr", epipe("4000", site("10.255.2.1", sap("1/1/9", "4000")))), del("svc-mgr:service-4000")}, "svc-mgr:service-4000"},
		{"modify", []string{`<generic.GenericObject.configureInstance xmlns="xmlapi_1.0"><distinguishedName>svc-mgr:service-10050</distinguishedName>` +
			`<configInfo><epipe.Epipe><actionMask><bit>modify</bit></actionMask><description>x</description></epipe.Epipe></configInfo>` +
			`</generic.GenericObject.configureInstance>`}, "svc-mgr:service-10050"},
	}
	for _, n := range []int{100, 20000} {
		s := loaded(b, n)
		for _, r := range reqs {
			b.Run(fmt.Sprintf("%s/services=%d", r.name, n), func(b *testing.B) {
				if got := invoke(b, s, r.method[0]); !strings.Contains(got, r.want) {
					b.Fatalf("reply lacks %q: %s", r.want, got)
				}
				for _, m := range r.method[1:] {
					invoke(b, s, m)
				}
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime(b)
				for i := 0; i < b.N; i++ {
					for _, m := range r.method {
						invoke(b, s, m)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
