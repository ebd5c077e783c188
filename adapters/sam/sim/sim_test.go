package sim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const envFmt = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header>` +
	`<header xmlns="xmlapi_1.0"><security><user>oss</user><password hashed="false">pw</password></security>` +
	`<requestID>t:%d</requestID></header></soap:Header><soap:Body>%s</soap:Body></soap:Envelope>`

type client struct {
	t   testing.TB
	url string
	n   int
	mu  sync.Mutex
}

func setup(t testing.TB) (*Server, *client) {
	s := New(Options{Nodes: 3, User: "oss", Password: "pw"})
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, &client{t: t, url: ts.URL}
}

// post sends a raw body and returns status and reply.
func (c *client) post(body string) (int, string) {
	resp, err := http.Post(c.url+"/xmlapi/invoke", "text/xml", strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) call(method string) (int, string) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	return c.post(fmt.Sprintf(envFmt, n, method))
}

func create(parent, obj string) string {
	return `<generic.GenericObject.configureChildInstance xmlns="xmlapi_1.0"><deployer>immediate</deployer>` +
		`<distinguishedName>` + parent + `</distinguishedName><childConfigInfo>` + obj + `</childConfigInfo>` +
		`</generic.GenericObject.configureChildInstance>`
}

func epipe(id string, kids string) string {
	return `<epipe.Epipe><actionMask><bit>create</bit></actionMask><serviceId>` + id + `</serviceId><customerId>1</customerId>` +
		`<children-Set>` + kids + `</children-Set></epipe.Epipe>`
}

func site(ip, kids string) string {
	return `<epipe.Site><actionMask><bit>create</bit></actionMask><siteId>` + ip + `</siteId><children-Set>` + kids + `</children-Set></epipe.Site>`
}

func sap(port, vlan string) string {
	return `<vll.L2AccessInterface><actionMask><bit>create</bit></actionMask><portName>` + port + `</portName><innerEncapValue>` + vlan + `</innerEncapValue></vll.L2AccessInterface>`
}

func del(fdn string) string {
	return `<generic.GenericObject.deleteInstance xmlns="xmlapi_1.0"><instanceName>` + fdn + `</instanceName></generic.GenericObject.deleteInstance>`
}

func find(class, filter string) string {
	return `<find xmlns="xmlapi_1.0"><fullClassName>` + class + `</fullClassName><filter>` + filter + `</filter></find>`
}

func TestReferentialFaults(t *testing.T) {
	s, c := setup(t)
	if st, body := c.call(create("svc-mgr", epipe("100", site("10.255.2.1", sap("1/1/3", "100"))))); st != 200 {
		t.Fatalf("setup create: %d %s", st, body)
	}
	tests := []struct {
		name, method, code, typ, msg string
	}{
		{"sap on missing port", create("svc-mgr:service-100:10.255.2.1", sap("9/9/9", "5")), "SOAP:Client", excNotFound, "port 9/9/9 does not exist on sr1"},
		{"site on unknown node", create("svc-mgr:service-100", site("10.1.1.1", "")), "SOAP:Client", excNotFound, "system address 10.1.1.1 is not managed"},
		{"duplicate service id", create("svc-mgr", `<vpls.Vpls><serviceId>100</serviceId><customerId>1</customerId></vpls.Vpls>`), "SOAP:Client", excExists, "service id 100 is already used by svc-mgr:service-100"},
		{"vprn site without rd", create("svc-mgr", `<vprn.Vprn><serviceId>7</serviceId><customerId>1</customerId><children-Set><vprn.Site><siteId>10.255.2.1</siteId></vprn.Site></children-Set></vprn.Vprn>`), "SOAP:Client", excValidation, "required attribute routeDistinguisher of class vprn.Site is missing"},
		{"duplicate sap encap", create("svc-mgr", epipe("101", site("10.255.2.1", sap("1/1/3", "100")))), "SOAP:Client", excExists, "encapsulation 1/1/3:100 is already used on sr1"},
		{"delete missing object", del("svc-mgr:service-999"), "SOAP:Client", excNotFound, "object svc-mgr:service-999 does not exist"},
		{"bad class", create("svc-mgr", `<vll.Epipe><serviceId>5</serviceId></vll.Epipe>`), "SOAP:Client", excClass, "unknown class vll.Epipe"},
		{"bad find class", find("nope.Nope", ""), "SOAP:Client", excClass, "unknown class nope.Nope"},
		{"resultFilter wrapped twice", `<find xmlns="xmlapi_1.0"><fullClassName>epipe.Epipe</fullClassName><resultFilter><resultFilter><children/></resultFilter></resultFilter></find>`,
			"SOAP:Client", excXML, "resultFilter: element resultFilter is not allowed here, only attribute and children"},
		{"attribute in children", `<find xmlns="xmlapi_1.0"><fullClassName>epipe.Epipe</fullClassName><resultFilter><children><attribute>x</attribute></children></resultFilter></find>`,
			"SOAP:Client", excXML, "resultFilter: element attribute is not allowed in children"},
		{"unknown attribute", create("svc-mgr", `<epipe.Epipe><serviceId>5</serviceId><customerId>1</customerId><colour>red</colour></epipe.Epipe>`), "SOAP:Client", excValidation, "attribute colour is not valid for class epipe.Epipe"},
		{"bad value", create("svc-mgr", `<epipe.Epipe><serviceId>abc</serviceId><customerId>1</customerId></epipe.Epipe>`), "SOAP:Client", excValidation, `invalid value "abc" for attribute serviceId`},
		{"immutable customer", `<generic.GenericObject.configureInstance xmlns="xmlapi_1.0"><distinguishedName>svc-mgr:service-100</distinguishedName><configInfo><epipe.Epipe><actionMask><bit>modify</bit></actionMask><customerId>2</customerId></epipe.Epipe></configInfo></generic.GenericObject.configureInstance>`, "SOAP:Client", excValidation, "attribute customerId of svc-mgr:service-100 cannot be modified"},
		{"unknown method", `<reboot xmlns="xmlapi_1.0"/>`, "SOAP:Client", excXML, "unknown method reboot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body := c.call(tc.method)
			if st != 500 {
				t.Fatalf("status %d, want 500: %s", st, body)
			}
			for _, want := range []string{"<faultcode>" + tc.code + "</faultcode>", "<type>" + tc.typ + "</type>", tc.msg, `<exception xmlns="xmlapi_1.0">`} {
				if !strings.Contains(body, xmlEscape(want)) && !strings.Contains(body, want) {
					t.Errorf("fault lacks %q:\n%s", want, body)
				}
			}
		})
	}
	// Failed nested creates leave nothing behind.
	if s.Count("epipe.Epipe") != 1 || s.Count("vprn.Vprn") != 0 {
		t.Fatalf("failed creates left objects: %d epipes, %d vprns", s.Count("epipe.Epipe"), s.Count("vprn.Vprn"))
	}
	// Deleting the service removes its subtree and frees the encapsulation.
	if st, body := c.call(del("svc-mgr:service-100")); st != 200 {
		t.Fatalf("delete: %s", body)
	}
	if s.Count("vll.L2AccessInterface") != 0 {
		t.Fatal("delete left the SAP")
	}
	if st, body := c.call(create("svc-mgr", epipe("101", site("10.255.2.1", sap("1/1/3", "100"))))); st != 200 {
		t.Fatalf("encap not freed: %s", body)
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestAuthAndHeader(t *testing.T) {
	_, c := setup(t)
	tests := []struct {
		name, header string
		ok           bool
	}{
		{"md5", `<security><user>oss</user><password>8fe4c11451281c094a6578e6ddbf5eed</password></security><requestID>a</requestID>`, true},
		{"md5 upper case", `<security><user>oss</user><password>8FE4C11451281C094A6578E6DDBF5EED</password></security><requestID>a</requestID>`, true},
		{"plain", `<security><user>oss</user><password hashed="false">pw</password></security><requestID>a</requestID>`, true},
		{"plain sent as hash", `<security><user>oss</user><password>pw</password></security><requestID>a</requestID>`, false},
		{"wrong user", `<security><user>root</user><password hashed="false">pw</password></security><requestID>a</requestID>`, false},
		{"no security", `<requestID>a</requestID>`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body := c.post(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><header xmlns="xmlapi_1.0">` +
				tc.header + `</header></soap:Header><soap:Body><ping xmlns="xmlapi_1.0"/></soap:Body></soap:Envelope>`)
			if tc.ok != (st == 200) {
				t.Fatalf("status %d: %s", st, body)
			}
			if tc.ok && (!strings.Contains(body, "<requestID>a</requestID>") || !strings.Contains(body, "<responseTime>")) {
				t.Fatalf("reply header does not echo the request: %s", body)
			}
			if !tc.ok && (!strings.Contains(body, excAuth) || strings.Contains(body, ">pw<")) {
				t.Fatalf("bad auth reply: %s", body)
			}
		})
	}
}

func TestHostileRequests(t *testing.T) {
	_, c := setup(t)
	laughs := `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>` +
		fmt.Sprintf(envFmt, 1, find("epipe.Epipe", `<equal name="displayedName" value="&c;"/>`))
	tests := []struct{ name, body, msg string }{
		{"billion laughs", laughs, "DTD or directive not allowed"},
		{"deep nesting", fmt.Sprintf(envFmt, 1, strings.Repeat("<a>", 5000)+strings.Repeat("</a>", 5000)), "nesting deeper than"},
		{"too large", fmt.Sprintf(envFmt, 1, find("epipe.Epipe", strings.Repeat("<and/>", 1<<20))), "larger than"},
		{"malformed", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><ping>`, "malformed request"},
		{"not soap", `<Envelope><Body/></Envelope>`, "not a SOAP 1.1 envelope"},
		{"undeclared entity", fmt.Sprintf(envFmt, 1, find("epipe.Epipe", `<equal name="x" value="&zz;"/>`)), "malformed request"},
		{"text in anyType", fmt.Sprintf(envFmt, 1, find("epipe.Epipe", `&lt;equal/&gt;`)), "filter must hold elements"},
		{"two methods", fmt.Sprintf(envFmt, 1, `<ping xmlns="xmlapi_1.0"/><ping xmlns="xmlapi_1.0"/>`), "one method per request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body := c.post(tc.body)
			if st != 500 || !strings.Contains(body, tc.msg) || !strings.Contains(body, "SOAP:Client") {
				t.Fatalf("status %d, want a SOAP:Client fault with %q: %.400s", st, tc.msg, body)
			}
		})
	}
	// The server still works.
	if st, body := c.call(`<ping xmlns="xmlapi_1.0"/>`); st != 200 {
		t.Fatalf("after hostile requests: %d %s", st, body)
	}
}

func TestFindFilters(t *testing.T) {
	_, c := setup(t)
	for i := 1; i <= 5; i++ {
		id := fmt.Sprint(i)
		if st, body := c.call(create("svc-mgr", epipe(id, site("10.255.2.1", sap("1/1/"+id, "10"))))); st != 200 {
			t.Fatal(body)
		}
	}
	tests := []struct {
		name, filter string
		want         int
	}{
		{"none", ``, 5},
		{"equal", `<equal name="serviceId" value="3"/>`, 1},
		{"notEqual", `<notEqual name="serviceId" value="3"/>`, 4},
		{"or", `<or><equal name="serviceId" value="1"/><equal name="serviceId" value="2"/></or>`, 2},
		{"and", `<and><greater name="serviceId" value="1"/><lessOrEqual name="serviceId" value="3"/></and>`, 2},
		{"not", `<not><equal name="serviceId" value="1"/></not>`, 4},
		{"between", `<between name="serviceId" first="2" second="4"/>`, 3},
		{"wildcard", `<wildcard name="objectFullName" value="svc-mgr:service-%"/>`, 5},
		{"fdn", `<equal name="objectFullName" value="svc-mgr:service-4"/>`, 1},
		{"in", `<in name="serviceId"><item>1</item><item>5</item></in>`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, body := c.call(find("epipe.Epipe", tc.filter))
			if st != 200 {
				t.Fatal(body)
			}
			if got := strings.Count(body, "<epipe.Epipe>"); got != tc.want {
				t.Fatalf("%d epipes, want %d: %s", got, tc.want, body)
			}
		})
	}
	// resultFilter: only listed attributes, no children.
	_, body := c.call(`<find xmlns="xmlapi_1.0"><fullClassName>epipe.Epipe</fullClassName><filter><equal name="serviceId" value="1"/></filter>` +
		`<resultFilter><attribute>serviceId</attribute><children/></resultFilter></find>`)
	if !strings.Contains(body, "<epipe.Epipe><serviceId>1</serviceId></epipe.Epipe>") {
		t.Fatalf("resultFilter not applied: %s", body)
	}
}

func TestWSDL(t *testing.T) {
	_, c := setup(t)
	resp, err := http.Get(c.url + "/wsdl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `location="`+c.url+`/xmlapi/invoke"`) {
		t.Fatalf("WSDL does not point at the simulator: %.300s", b)
	}
}

// TestThousandsConcurrent creates services from many goroutines at once.
func TestThousandsConcurrent(t *testing.T) {
	s := New(Options{Nodes: 4, PortsPerNode: 12, User: "oss", Password: "pw"})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := &client{t: t, url: ts.URL}
	const workers, per = 8, 250
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				id := fmt.Sprint(1000 + w*per + i)
				vlan := fmt.Sprint(1 + w*per + i)
				port := fmt.Sprintf("1/1/%d", 1+(w*per+i)/4000)
				if st, body := c.call(create("svc-mgr", epipe(id, site("10.255.2.1", sap(port, vlan))))); st != 200 {
					errs <- body
					return
				}
				if i%50 == 0 {
					c.call(find("epipe.Epipe", `<equal name="serviceId" value="`+id+`"/>`))
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if n := s.Count("epipe.Epipe"); n != workers*per {
		t.Fatalf("%d services, want %d", n, workers*per)
	}
}

func TestInjections(t *testing.T) {
	s, c := setup(t)
	s.Inject(Injection{Method: "ping", Nth: 2, Server: true, Message: "boom"})
	if st, _ := c.call(`<ping xmlns="xmlapi_1.0"/>`); st != 200 {
		t.Fatal("first ping should pass")
	}
	if st, body := c.call(`<ping xmlns="xmlapi_1.0"/>`); st != 500 || !strings.Contains(body, "SOAP:Server") || !strings.Contains(body, "boom") {
		t.Fatalf("second ping: %d %s", st, body)
	}
	if st, _ := c.call(`<ping xmlns="xmlapi_1.0"/>`); st != 200 {
		t.Fatal("third ping should pass")
	}
	s.SetFaultStatus(200)
	s.SetBusy(true)
	if st, body := c.call(`<ping xmlns="xmlapi_1.0"/>`); st != 200 || !strings.Contains(body, excBusy) {
		t.Fatalf("busy: %d %s", st, body)
	}
	s.ClearInjections()
	s.Inject(Injection{Method: "generic.GenericObject.configureChildInstance", Apply: true})
	if st, _ := c.call(create("svc-mgr", epipe("9", ""))); st != 200 || !s.Exists("svc-mgr:service-9") {
		t.Fatal("Apply injection: the create should have been applied before the fault")
	}
}
