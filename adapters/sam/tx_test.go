package sam_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
)

// iptv is an IPTV L3VPN on two nodes: VPRN sites with RD and targets, an interface, a static
// route, a BGP peer, PIM and MVPN.
func iptv() []config.Object {
	root := "vprn.Vprn[400]"
	var objs []config.Object
	objs = append(objs, config.Object{Class: "vprn.Vprn", Key: "400", Props: map[string]string{"customerId": "1", "displayedName": "iptv"}})
	for i, ip := range []string{"10.255.2.1", "10.255.2.2"} {
		site := root + "/vprn.Site[" + ip + "]"
		objs = append(objs,
			config.Object{Class: "vprn.Site", Key: ip, Parent: root, Props: map[string]string{"routeDistinguisher": "65000:400", "vrfTarget": "target:65000:400", "autonomousSystemNumber": "65000", "autoBindType": "ldp"}},
			config.Object{Class: "vprn.L3AccessInterface", Key: "to-ce", Parent: site, Props: map[string]string{"portName": "1/1/4", "innerEncapValue": "400", "ipAddress": []string{"192.0.2.1/30", "192.0.2.5/30"}[i]}},
			config.Object{Class: "rtr.StaticRoute", Key: "10.1.0.0/16", Parent: site, Props: map[string]string{"nextHop": "192.0.2.2"}},
			config.Object{Class: "bgp.Peer", Key: "192.0.2.2", Parent: site, Props: map[string]string{"peerAS": "65101"}},
			config.Object{Class: "pim.Interface", Key: "to-ce", Parent: site, Props: map[string]string{"mode": "sparse"}},
			config.Object{Class: "mvpn.Mvpn", Key: "default", Parent: site, Props: map[string]string{"providerTunnel": "rsvp-te", "autoDiscovery": "true"}},
		)
	}
	return objs
}

func TestTwoSitesAndIPTVInOneChangeSet(t *testing.T) {
	b := setup(t)
	want := leaves(t, iptv()...)
	commit(t, b, createCS(t, iptv()...))
	got, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, "vprn.Vprn[400]")})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, l := range got {
		have[l.Path.String()] = l.Value
	}
	for _, l := range want {
		if v, ok := have[l.Path.String()]; !ok || v != l.Value {
			t.Errorf("%s = %q (present %v), want %q", l.Path, v, ok, l.Value)
		}
	}
	// Fetching a property path returns just that leaf.
	p := mustPath(t, "vprn.Vprn[400]/vprn.Site[10.255.2.2]/routeDistinguisher")
	got, err = b.target.Fetch(ctxT(t), []config.Path{p})
	if err != nil || len(got) != 1 || got[0].Value != "65000:400" {
		t.Fatalf("fetch %s: %v %v", p, got, err)
	}
}

// TestDeleteIsUndoneBySnapshot: a change set deletes a whole service then fails; undo
// recreates the service with its subtree.
func TestDeleteIsUndoneBySnapshot(t *testing.T) {
	b := setup(t)
	commit(t, b, createCS(t, eline("100")...))
	before, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, "epipe.Epipe[100]")})
	if err != nil {
		t.Fatal(err)
	}
	cs := createCS(t, config.Object{Class: "epipe.Epipe", Key: "101", Props: map[string]string{"customerId": "99"}})
	cs.Changes = append([]config.Change{{Op: config.Delete, Path: mustPath(t, "epipe.Epipe[100]")}}, cs.Changes...)
	tx, err := prepare(t, b, cs)
	if !errors.Is(err, adapters.ErrRejected) {
		t.Fatalf("prepare: %v", err)
	}
	tx.Rollback(ctxT(t))
	after, err := b.target.Fetch(ctxT(t), []config.Path{mustPath(t, "epipe.Epipe[100]")})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("undo recreated %d leaves, want %d", len(after), len(before))
	}
	for i := range before {
		if before[i].Path.String() != after[i].Path.String() || before[i].Value != after[i].Value {
			t.Fatalf("leaf %d: %s=%q, want %s=%q", i, after[i].Path, after[i].Value, before[i].Path, before[i].Value)
		}
	}
}

// TestSharedServiceAdopted: a second change set that creates the same service (shared by its
// sites) with a new site adopts the service; its rollback removes only the new site.
func TestSharedServiceAdopted(t *testing.T) {
	b := setup(t)
	objs := eline("100")
	commit(t, b, createCS(t, objs[:2]...))
	second := []config.Object{objs[0], {Class: "epipe.Site", Key: "10.255.2.2", Parent: "epipe.Epipe[100]"}}
	tx, err := prepare(t, b, createCS(t, second...))
	if err != nil {
		t.Fatal(err)
	}
	if !b.sim.Exists("svc-mgr:service-100:10.255.2.2") {
		t.Fatal("second site not created")
	}
	if err := tx.Rollback(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if !b.sim.Exists("svc-mgr:service-100") || !b.sim.Exists("svc-mgr:service-100:10.255.2.1") || b.sim.Exists("svc-mgr:service-100:10.255.2.2") {
		t.Fatal("rollback of the adopting change set touched the shared service")
	}
}

func TestRender(t *testing.T) {
	b := setup(t)
	cs := createCS(t, eline("100")...)
	cs.Changes = append(cs.Changes,
		config.Change{Op: config.Update, Path: mustPath(t, "epipe.Epipe[7]/description"), Value: "x<y", Old: "old"},
		config.Change{Op: config.Delete, Path: mustPath(t, "vpls.Vpls[8]/vpls.Site[10.255.2.1]")},
	)
	r, err := b.target.Render(cs)
	if err != nil {
		t.Fatal(err)
	}
	want := `delete vpls.Site[10.255.2.1] under vpls.Vpls[8]
modify epipe.Epipe[7] {description=x<y}
create epipe.Epipe[100] {customerId=1, description=conformance, displayedName=eline-100, serviceId=100}
create epipe.Site[10.255.2.1] under epipe.Epipe[100] {siteId=10.255.2.1}
create svt.SpokeSdpBinding[10.255.2.2:100] under epipe.Epipe[100]/epipe.Site[10.255.2.1] {tunnelSelectionTerminationSiteId=10.255.2.2, vcId=100}
create vll.L2AccessInterface[1/1/3:100] under epipe.Epipe[100]/epipe.Site[10.255.2.1] {administrativeState=up, innerEncapValue=100, portName=1/1/3}
`
	if r.Format != "sam-ops" || r.Text != want {
		t.Fatalf("render %s:\n%s\nwant:\n%s", r.Format, r.Text, want)
	}
	if x := r.Extra["samo-xml"]; !strings.Contains(x, "<description>x&lt;y</description>") || !strings.Contains(x, "<instanceName>svc-mgr:service-8:10.255.2.1</instanceName>") {
		t.Fatalf("samo-xml:\n%s", x)
	}
	// Contradicting key and property, and unknown classes, are refused.
	for _, bad := range []config.ChangeSet{
		createCS(t, config.Object{Class: "epipe.Epipe", Key: "5", Props: map[string]string{"serviceId": "6"}}),
		createCS(t, config.Object{Class: "vll.Epipe", Key: "5"}),
		createCS(t, config.Object{Class: "epipe.Site", Key: "10.255.2.1"}),
	} {
		if _, err := b.target.Render(bad); !errors.Is(err, adapters.ErrRejected) {
			t.Errorf("render of %v: %v", bad.Changes[0].Path, err)
		}
	}
}

func TestOpShowService(t *testing.T) {
	b := setup(t)
	commit(t, b, createCS(t, eline("100")...))
	res, err := b.target.Op(ctxT(t), "sr1", "show service 100")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Service 100 (epipe.Epipe) customer 1 admin up oper up", "vll.L2AccessInterface[1/1/3:100] admin up oper up", "svt.SpokeSdpBinding[10.255.2.2:100]"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("op text lacks %q:\n%s", want, res.Text)
		}
	}
	if !strings.Contains(res.XML, "<epipe.Epipe>") {
		t.Errorf("op XML: %s", res.XML)
	}
	if res, err = b.target.Op(ctxT(t), "sr1", "show services"); err != nil || !strings.Contains(res.Text, "100") {
		t.Fatalf("show services: %v %v", res, err)
	}
	if _, err := b.target.Op(ctxT(t), "sr9", "show port"); !errors.Is(err, adapters.ErrRejected) {
		t.Fatalf("op on an unknown node: %v", err)
	}
	devs, err := b.target.Discover(ctxT(t))
	if err != nil || len(devs) != 3 {
		t.Fatal(devs, err)
	}
	d := devs[0]
	if d.Name != "sr1" || d.Vendor != "sros" || d.NMS != "sam1" || d.Address != "10.255.2.1" || d.Platform != "7750 SR-12" ||
		d.OSVersion != "TiMOS-C-20.10.R1" || len(d.Ports) != 10 || d.Ports[1].Name != "1/1/2" || !d.Ports[0].OperUp || d.Ports[9].AdminUp {
		t.Fatalf("discovered %+v", d)
	}
}
