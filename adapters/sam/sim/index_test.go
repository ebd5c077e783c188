package sim

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// checkIndexes rebuilds every index from the object tree and compares: an entry for an
// object that is gone, or a missing one, fails the test.
func checkIndexes(t *testing.T, s *Server) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	want := newStore()
	var walk func(o *object)
	seen := 0
	walk = func(o *object) {
		seen++
		if st.objs[o.fdn] != o {
			t.Errorf("%s is in the tree but not indexed by FDN", o.fdn)
		}
		want.add(&object{class: o.class, fdn: o.fdn, props: o.props})
		if o.parent != nil && o.parent.class == svcMgrClass {
			want.svcIDs[o.props["serviceId"]] = o.fdn
		}
		if hasEncap(o.class) && o.ne != nil {
			want.encaps[encapKey(o)] = o.fdn
		}
		for fdn, c := range o.children {
			if c.fdn != fdn || c.parent != o {
				t.Errorf("child entry %s of %s is stale", fdn, o.fdn)
			}
			walk(c)
		}
	}
	for _, o := range st.objs {
		if o.parent == nil {
			walk(o)
		}
	}
	if seen != len(st.objs) {
		t.Errorf("%d objects reachable from the roots, %d indexed by FDN", seen, len(st.objs))
	}
	for class, m := range st.byClass {
		if len(m) != len(want.byClass[class]) {
			t.Errorf("class %s: %d indexed, %d in the tree", class, len(m), len(want.byClass[class]))
		}
	}
	if len(st.byAttr) != len(want.byAttr) {
		t.Errorf("%d attribute index entries, want %d", len(st.byAttr), len(want.byAttr))
	}
	for k, p := range st.byAttr {
		var got []string
		for _, o := range p.objects() {
			if st.objs[o.fdn] != o || o.props[k.attr] != k.value || o.class != k.class {
				t.Errorf("stale entry %v -> %s", k, o.fdn)
			}
			got = append(got, o.fdn)
		}
		var exp []string
		for _, o := range want.byAttr[k].objects() {
			exp = append(exp, o.fdn)
		}
		sort.Strings(got)
		sort.Strings(exp)
		if strings.Join(got, " ") != strings.Join(exp, " ") {
			t.Errorf("%v: %v, want %v", k, got, exp)
		}
		if p.more != nil && len(p.more) < 2 || p.more != nil && p.one != nil {
			t.Errorf("%v: malformed posting", k)
		}
	}
	if fmt.Sprint(st.svcIDs) != fmt.Sprint(want.svcIDs) {
		t.Errorf("service ids %v, want %v", st.svcIDs, want.svcIDs)
	}
	if fmt.Sprint(st.encaps) != fmt.Sprint(want.encaps) {
		t.Errorf("encapsulations %v, want %v", st.encaps, want.encaps)
	}
}

var fdnRE = regexp.MustCompile(`<objectFullName>([^<]*)</objectFullName>`)

// found returns the FDNs of the top-level objects a find answers.
func found(t *testing.T, c *client, class, filter string) []string {
	t.Helper()
	st, body := c.call(`<find xmlns="xmlapi_1.0"><fullClassName>` + class + `</fullClassName><filter>` + filter + `</filter>` +
		`<resultFilter><attribute>objectFullName</attribute><children/></resultFilter></find>`)
	if st != 200 {
		t.Fatalf("find %s %s: %d %s", class, filter, st, body)
	}
	var out []string
	for _, m := range fdnRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func modify(fdn, obj string) string {
	return `<generic.GenericObject.configureInstance xmlns="xmlapi_1.0"><distinguishedName>` + fdn + `</distinguishedName>` +
		`<configInfo>` + obj + `</configInfo></generic.GenericObject.configureInstance>`
}

func eq(name, value string) string { return `<equal name="` + name + `" value="` + value + `"/>` }

// TestIndexes runs requests in turn and checks, after each, what finds on indexed attributes
// answer and that no index holds a stale or missing entry.
func TestIndexes(t *testing.T) {
	s, c := setup(t)
	vprn := `<vprn.Vprn><serviceId>400</serviceId><customerId>1</customerId><children-Set><vprn.Site><siteId>10.255.2.1</siteId>` +
		`<routeDistinguisher>65000:400</routeDistinguisher><children-Set><vprn.L3AccessInterface><interfaceName>to-ce</interfaceName>` +
		`<portName>1/1/4</portName><innerEncapValue>400</innerEncapValue><ipAddress>192.0.2.1/30</ipAddress></vprn.L3AccessInterface>` +
		`</children-Set></vprn.Site></children-Set></vprn.Vprn>`
	const (
		svc  = "svc-mgr:service-100"
		st1  = svc + ":10.255.2.1"
		sap1 = st1 + ":sap-1/1/3:100"
		ifc  = "svc-mgr:service-400:10.255.2.1:interface-to-ce"
	)
	type find struct {
		class, filter string
		want          []string
	}
	tests := []struct {
		name   string
		method string
		status int
		finds  []find
	}{
		{"create a service with a site and a SAP", create("svc-mgr", epipe("100", site("10.255.2.1", sap("1/1/3", "100")))), 200, []find{
			{"epipe.Epipe", eq("serviceId", "100"), []string{svc}},
			{"epipe.Epipe", eq("objectFullName", svc), []string{svc}},
			{"epipe.Site", eq("siteId", "10.255.2.1"), []string{st1}},
			{"vll.L2AccessInterface", `<and>` + eq("portName", "1/1/3") + eq("innerEncapValue", "100") + `</and>`, []string{sap1}},
			{"vpls.Vpls", eq("serviceId", "100"), nil},
		}},
		{"a second service with the same name", create("svc-mgr", `<epipe.Epipe><serviceId>101</serviceId><customerId>1</customerId><displayedName>blue</displayedName></epipe.Epipe>`), 200, []find{
			{"epipe.Epipe", eq("displayedName", "blue"), []string{"svc-mgr:service-101"}},
		}},
		{"modify a name", modify(svc, `<epipe.Epipe><actionMask><bit>modify</bit></actionMask><displayedName>blue</displayedName></epipe.Epipe>`), 200, []find{
			{"epipe.Epipe", eq("displayedName", "blue"), []string{svc, "svc-mgr:service-101"}},
			{"epipe.Epipe", `<and>` + eq("displayedName", "blue") + eq("serviceId", "101") + `</and>`, []string{"svc-mgr:service-101"}},
		}},
		{"rename one of two", modify("svc-mgr:service-101", `<epipe.Epipe><displayedName>red</displayedName></epipe.Epipe>`), 200, []find{
			{"epipe.Epipe", eq("displayedName", "blue"), []string{svc}},
			{"epipe.Epipe", eq("displayedName", "red"), []string{"svc-mgr:service-101"}},
		}},
		{"reset a name", modify(svc, `<epipe.Epipe><displayedName></displayedName></epipe.Epipe>`), 200, []find{
			{"epipe.Epipe", eq("displayedName", "blue"), nil},
			{"epipe.Epipe", eq("displayedName", ""), nil},
		}},
		{"failed modify is undone", modify(svc, `<epipe.Epipe><displayedName>green</displayedName><children-Set>`+
			`<epipe.Site><siteId>10.255.2.2</siteId><children-Set>`+sap("9/9/9", "1")+`</children-Set></epipe.Site></children-Set></epipe.Epipe>`), 500, []find{
			{"epipe.Epipe", eq("displayedName", "green"), nil},
			{"epipe.Site", eq("siteId", "10.255.2.2"), nil},
			{"epipe.Epipe", eq("serviceId", "100"), []string{svc}},
		}},
		{"failed nested create leaves nothing", create("svc-mgr", epipe("102", site("10.255.2.2", sap("1/1/3", "7")+sap("9/9/9", "7")))), 500, []find{
			{"epipe.Epipe", eq("serviceId", "102"), nil},
			{"epipe.Site", eq("siteId", "10.255.2.2"), nil},
			{"vll.L2AccessInterface", eq("innerEncapValue", "7"), nil},
		}},
		{"create a VPRN with an interface", create("svc-mgr", vprn), 200, []find{
			{"vprn.L3AccessInterface", eq("portName", "1/1/4"), []string{ifc}},
		}},
		{"move the interface to another port", modify(ifc, `<vprn.L3AccessInterface><portName>1/1/5</portName></vprn.L3AccessInterface>`), 200, []find{
			{"vprn.L3AccessInterface", eq("portName", "1/1/4"), nil},
			{"vprn.L3AccessInterface", eq("portName", "1/1/5"), []string{ifc}},
		}},
		{"moving the interface to a missing port is refused", modify(ifc, `<vprn.L3AccessInterface><portName>9/9/9</portName></vprn.L3AccessInterface>`), 500, []find{
			{"vprn.L3AccessInterface", eq("portName", "1/1/5"), []string{ifc}},
		}},
		{"moving the interface onto a used encapsulation is refused", modify(ifc, `<vprn.L3AccessInterface><portName>1/1/3</portName><innerEncapValue>100</innerEncapValue></vprn.L3AccessInterface>`), 500, []find{
			{"vprn.L3AccessInterface", eq("portName", "1/1/5"), []string{ifc}},
		}},
		{"the freed port takes a new SAP", create(st1, sap("1/1/4", "400")), 200, []find{
			{"vll.L2AccessInterface", eq("portName", "1/1/4"), []string{st1 + ":sap-1/1/4:400"}},
		}},
		{"delete a service with its children", del(svc), 200, []find{
			{"epipe.Epipe", eq("serviceId", "100"), nil},
			{"epipe.Site", eq("siteId", "10.255.2.1"), nil},
			{"vll.L2AccessInterface", eq("portName", "1/1/3"), nil},
			{"epipe.Site", eq("objectFullName", st1), nil},
			{"epipe.Epipe", eq("serviceId", "101"), []string{"svc-mgr:service-101"}},
		}},
		{"the deleted ids and encapsulations are free again", create("svc-mgr", epipe("100", site("10.255.2.1", sap("1/1/3", "100")))), 200, []find{
			{"vll.L2AccessInterface", `<and>` + eq("portName", "1/1/3") + eq("innerEncapValue", "100") + `</and>`, []string{sap1}},
		}},
		{"nodes and ports are indexed too", `<ping xmlns="xmlapi_1.0"/>`, 200, []find{
			{"netw.NetworkElement", eq("siteName", "sr2"), []string{"network:10.255.2.2"}},
			{"equipment.PhysicalPort", `<and>` + eq("siteId", "10.255.2.3") + eq("portName", "1/1/2") + `</and>`,
				[]string{"network:10.255.2.3:shelf-1:cardSlot-1:card:daughterCardSlot-1:daughterCard:port-2"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if st, body := c.call(tc.method); st != tc.status {
				t.Fatalf("status %d, want %d: %s", st, tc.status, body)
			}
			for _, f := range tc.finds {
				if got := found(t, c, f.class, f.filter); fmt.Sprint(got) != fmt.Sprint(f.want) {
					t.Errorf("find %s %s = %v, want %v", f.class, f.filter, got, f.want)
				}
			}
			checkIndexes(t, s)
		})
	}
}

// TestFindPlanAppliesWholeFilter: an index narrows the candidates, the rest of the filter
// still decides.
func TestFindPlanAppliesWholeFilter(t *testing.T) {
	_, c := setup(t)
	for i := 1; i <= 3; i++ {
		id := fmt.Sprint(i)
		if st, body := c.call(create("svc-mgr", epipe(id, site("10.255.2.1", sap("1/1/3", id))))); st != 200 {
			t.Fatal(body)
		}
	}
	tests := []struct {
		name, class, filter string
		want                int
	}{
		{"indexed and not indexed", "epipe.Epipe", `<and>` + eq("serviceId", "2") + `<greater name="serviceId" value="5"/></and>`, 0},
		{"indexed and operational state", "vll.L2AccessInterface", eq("portName", "1/1/3") + eq("operationalState", "up"), 3},
		{"two equalities on one attribute", "epipe.Epipe", eq("serviceId", "1") + eq("serviceId", "2"), 0},
		{"fdn of another class", "vpls.Vpls", eq("objectFullName", "svc-mgr:service-1"), 0},
		{"indexed inside or scans", "epipe.Epipe", `<or>` + eq("serviceId", "1") + eq("serviceId", "3") + `</or>`, 2},
		{"equality inside not", "epipe.Epipe", `<not>` + eq("serviceId", "1") + `</not>`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := found(t, c, tc.class, tc.filter); len(got) != tc.want {
				t.Fatalf("%v, want %d objects", got, tc.want)
			}
		})
	}
}
