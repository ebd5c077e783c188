package sam

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xprov/xprov/adapters"
)

// fixedReply is an HTTP client that answers every request with one canned reply.
type fixedReply struct {
	status int
	body   []byte
}

func (f fixedReply) RoundTrip(*http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: f.status, Body: io.NopCloser(bytes.NewReader(f.body)), Header: http.Header{"Content-Type": {"text/xml"}}}, nil
}

func cannedTarget(t testing.TB, status int, body []byte) *Target {
	t.Helper()
	tg, err := New(Options{Name: "sam1", URL: "http://sam.invalid/xmlapi/invoke", User: "u", Password: "p",
		CallTimeout: time.Second, ReadRetries: -1, MaxReplyBytes: 1 << 20,
		HTTPClient: &http.Client{Transport: fixedReply{status, body}}})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

const envOpen = `<SOAP:Envelope xmlns:SOAP="http://schemas.xmlsoap.org/soap/envelope/"><SOAP:Body>`
const envClose = `</SOAP:Body></SOAP:Envelope>`

func billionLaughs() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
	b.WriteString(`<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">`)
	for i := 2; i <= 9; i++ {
		b.WriteString(`<!ENTITY lol` + string(rune('0'+i)) + ` "` + strings.Repeat(`&lol`+string(rune('0'+i-1))+`;`, 10) + `">`)
	}
	b.WriteString(`]>` + envOpen + `<findResponse xmlns="xmlapi_1.0"><result>&lol9;</result></findResponse>` + envClose)
	return b.String()
}

// TestHostileReplies feeds the adapter replies a broken or hostile SAM could send: each is
// refused with an error, without panics or unbounded memory.
func TestHostileReplies(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   error
	}{
		{"billion laughs", 200, billionLaughs(), ErrBadReply},
		{"external entity", 200, `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + envOpen + `<findResponse xmlns="xmlapi_1.0"><result>&e;</result></findResponse>` + envClose, ErrBadReply},
		{"undeclared entity", 200, envOpen + `<findResponse xmlns="xmlapi_1.0"><result>&e;</result></findResponse>` + envClose, ErrBadReply},
		{"deeply nested", 200, envOpen + strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + envClose, ErrBadReply},
		{"huge", 200, envOpen + `<findResponse xmlns="xmlapi_1.0"><result>` + strings.Repeat("<x>y</x>", 200000) + `</result></findResponse>` + envClose, ErrBadReply},
		{"truncated", 200, envOpen + `<findResponse xmlns="xmlapi_1.0"><result><epipe.Epipe>`, ErrBadReply},
		{"not xml", 200, "hello", ErrBadReply},
		{"not soap", 200, `<html><body>hi</body></html>`, ErrBadReply},
		{"html error page", 502, `<html><body>bad gateway</body></html>`, adapters.ErrUnreachable},
		{"fault 500", 500, envOpen + `<SOAP:Fault><faultcode>SOAP:Client</faultcode><faultstring>nope</faultstring></SOAP:Fault>` + envClose, adapters.ErrRejected},
		{"two body elements", 200, envOpen + `<findResponse xmlns="xmlapi_1.0"/><findResponse xmlns="xmlapi_1.0"/>` + envClose, adapters.ErrUnreachable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := cannedTarget(t, tc.status, []byte(tc.body))
			_, err := tg.Discover(context.Background())
			if err == nil || !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var ae *adapters.Error
			if !errors.As(err, &ae) || ae.Target != "sam1" {
				t.Fatalf("error %v is not an *adapters.Error naming the target", err)
			}
		})
	}
}

// TestWriteWithBadReplyIsPossiblyApplied: a write whose reply cannot be read may have taken
// effect.
func TestWriteWithBadReplyIsPossiblyApplied(t *testing.T) {
	tg := cannedTarget(t, 200, []byte("garbage"))
	o := planOp{kind: opDelete, ref: objectRef{path: nil, class: "epipe.Epipe", fdn: "svc-mgr:service-1"}}
	if err := tg.write(context.Background(), o); !errors.Is(err, adapters.ErrPossiblyApplied) {
		t.Fatalf("write with a garbage reply: %v", err)
	}
}

func TestVetReplyFaultBothStatuses(t *testing.T) {
	body := []byte(envOpen + `<SOAP:Fault><faultcode>SOAP:Client</faultcode><faultstring>short</faultstring><detail>` +
		`<exception xmlns="xmlapi_1.0"><type>ObjectNotFoundException</type><description>object x does not exist</description>` +
		`<objectFullName>x</objectFullName></exception></detail></SOAP:Fault>` + envClose)
	for _, status := range []int{200, 500} {
		f, err := vetReply(body, status, replyLimits())
		if err != nil || f == nil {
			t.Fatalf("status %d: %v %v", status, f, err)
		}
		if f.Code != "SOAP:Client" || f.Type != "ObjectNotFoundException" || f.message() != "object x does not exist" || f.FDN != "x" {
			t.Fatalf("status %d: parsed %+v", status, f)
		}
	}
}

// FuzzReply fuzzes the adapter's SOAP reply handling: vetting, fault extraction, gowsdl's
// decoding and the find result parser, through a full Discover and Fetch.
func FuzzReply(f *testing.F) {
	f.Add(200, []byte(envOpen+`<findResponse xmlns="xmlapi_1.0"><result><netw.NetworkElement><siteName>sr1</siteName><siteId>10.255.2.1</siteId></netw.NetworkElement></result></findResponse>`+envClose))
	f.Add(500, []byte(envOpen+`<SOAP:Fault><faultcode>SOAP:Server</faultcode><faultstring>busy</faultstring><detail><exception xmlns="xmlapi_1.0"><type>ServerBusyException</type><description>busy</description></exception></detail></SOAP:Fault>`+envClose))
	f.Add(200, []byte(envOpen+`<findResponse xmlns="xmlapi_1.0"><result><epipe.Epipe><serviceId>1</serviceId><children-Set><epipe.Site><siteId>10.255.2.1</siteId></epipe.Site></children-Set></epipe.Epipe></result></findResponse>`+envClose))
	f.Add(200, []byte(billionLaughs()))
	f.Add(502, []byte("<html>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		tg := cannedTarget(t, status, body)
		ctx := context.Background()
		if devs, err := tg.Discover(ctx); err == nil {
			for _, d := range devs {
				_ = d.Name
			}
		}
		_, _ = tg.Fetch(ctx, nil)
		_, _ = vetReply(body, status, replyLimits())
	})
}
