package flexservices_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/xprov/xprov/builtins/memory"
	"github.com/xprov/xprov/engine/pack"
)

// fill holds every value lo..hi of (pool, scope) by other services, as a full catalogue would.
func fill(t *testing.T, p *memory.Pools, pool, scope string, lo, hi int64) {
	t.Helper()
	allocs := make([]memory.Allocation, 0, hi-lo+1)
	for v := lo; v <= hi; v++ {
		allocs = append(allocs, memory.Allocation{Service: fmt.Sprintf("other-%s-%d", pool, v), Pool: pool, Scope: scope, Value: v})
	}
	if err := p.Preload(allocs); err != nil {
		t.Fatal(err)
	}
}

func renderWith(t *testing.T, name string, pools *memory.Pools, id, intent string) *pack.Rendered {
	t.Helper()
	p, err := pack.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	in, err := pack.DecodeIntent([]byte(intent))
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Render(context.Background(), pack.RenderInput{ServiceID: id, Intent: in, Pools: pools.Service(id), Inventory: memory.Lab()})
	if err != nil {
		t.Fatalf("%s: render %s: %v", name, id, err)
	}
	return out
}

func num(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return -1
}

// TestPoolsHoldTheCatalogue: every pool that used to cap the catalogue (9,000 E-LINEs,
// 10,000 E-LANs, L3VPNs, route distinguishers and targets, 16,384 automatic PE-CE subnets,
// 900 IPTV VRFs per PE) hands out values beyond its old limit once the old range is full;
// the DIA link pool hands out addresses past 100,000 links held by other services.
func TestPoolsHoldTheCatalogue(t *testing.T) {
	const (
		eline = `{"customer": "CUST-7", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3", "vlan": 100}]}`
		elan  = `{"customer": "CUST-7", "endpoints": [{"device": "pe1", "port": "ge-0/0/2", "vlan": 200}, {"device": "sr1", "port": "1/1/4", "vlan": 200}]}`
		l3vpn = `{"customer": "CUST-7", "endpoints": [{"device": "pe1", "port": "ge-0/0/3", "vlan": 300}, {"device": "sr1", "port": "1/1/5", "vlan": 300}]}`
		dia   = `{"customer": "CUST-7", "bandwidth": "10M", "endpoints": [{"device": "pe1", "port": "ge-0/0/3", "vlan": 300}, {"device": "sr1", "port": "1/1/5", "vlan": 300}]}`
		iptv  = `{"customer": "CUST-7", "multicast": {"mode": "ssm"}, "endpoints": [{"device": "pe1", "port": "ge-0/0/4", "vlan": 400}, {"device": "sr1", "port": "1/1/6", "vlan": 400}]}`
	)
	tests := []struct {
		name   string
		pack   string
		intent string
		fill   func(t *testing.T, p *memory.Pools)
		check  func(t *testing.T, r *pack.Rendered)
	}{
		{
			name: "eline beyond 9999 on one pair", pack: "eline", intent: eline,
			fill: func(t *testing.T, p *memory.Pools) {
				fill(t, p, "vc-id", "pe1|sr1", 1000, 9999)
				fill(t, p, "sros-service-id", "sam1", 1000, 9999)
			},
			check: func(t *testing.T, r *pack.Rendered) {
				if got := num(r.Derived["vc_id"]); got != 10000 {
					t.Errorf("vc_id %d, want 10000", got)
				}
				if got := num(r.Endpoints[1].Data["sros_service_id"]); got != 10000 {
					t.Errorf("epipe service id %d, want 10000", got)
				}
			},
		},
		{
			name: "eline VC ids are per pair", pack: "eline", intent: eline,
			fill: func(t *testing.T, p *memory.Pools) { fill(t, p, "vc-id", "pe1|pe2", 1000, 9999) },
			check: func(t *testing.T, r *pack.Rendered) {
				if got := num(r.Derived["vc_id"]); got != 1000 {
					t.Errorf("vc_id %d, want 1000 (pe1|pe2 is another pair)", got)
				}
			},
		},
		{
			name: "elan beyond 10,000 VPLS", pack: "elan", intent: elan,
			fill: func(t *testing.T, p *memory.Pools) {
				fill(t, p, "vpls-id", "global", 1<<31, 1<<31+9999)
				fill(t, p, "sros-service-id", "sam1", 1000, 19999)
			},
			check: func(t *testing.T, r *pack.Rendered) {
				if got := num(r.Derived["vpls_id"]); got != 1<<31+10000 {
					t.Errorf("vpls_id %d, want %d", got, 1<<31+10000)
				}
				if got := num(r.Endpoints[1].Data["sros_service_id"]); got != 20000 {
					t.Errorf("vpls service id %d, want 20000", got)
				}
			},
		},
		{
			name: "l3vpn beyond 29999", pack: "l3vpn", intent: l3vpn,
			fill: func(t *testing.T, p *memory.Pools) {
				for _, pool := range []string{"vprn-id", "l3vpn-rd", "l3vpn-rt"} {
					fill(t, p, pool, "global", 20000, 29999)
				}
				// Another VPN used every /30 of the PE-CE block: this one still gets the first.
				fill(t, p, "pe-ce-subnet", "vpn:1", 0, 16383)
			},
			check: func(t *testing.T, r *pack.Rendered) {
				d := r.Derived
				if num(d["number"]) != 30000 || d["rd"] != "65000:30000" || d["rt"] != "target:65000:30000" {
					t.Errorf("number %v rd %v rt %v, want 30000, 65000:30000, target:65000:30000", d["number"], d["rd"], d["rt"])
				}
				if got := r.Endpoints[0].Data["pe_address"]; got != "172.31.0.1/30" {
					t.Errorf("pe_address %v, want 172.31.0.1/30", got)
				}
			},
		},
		{
			name: "iptv beyond 900 VRFs per PE", pack: "iptv-l3vpn", intent: iptv,
			fill: func(t *testing.T, p *memory.Pools) { fill(t, p, "mvpn-lo0-unit", "pe1", 100, 999) },
			check: func(t *testing.T, r *pack.Rendered) {
				if got := num(r.Endpoints[0].Data["lo0_unit"]); got != 1000 {
					t.Errorf("lo0_unit %d, want 1000", got)
				}
			},
		},
		{
			// dia-link-30 holds 4,194,304 /30s (100.64.0.0/10): a catalogue of a million
			// dual-homed services fits. Filling 100,000 keeps the test light.
			name: "dia beyond 100,000 links", pack: "dia", intent: dia,
			fill: func(t *testing.T, p *memory.Pools) { fill(t, p, "dia-link-30", "global", 0, 99999) },
			check: func(t *testing.T, r *pack.Rendered) {
				if got := r.Endpoints[0].Data["pe_address"]; got != "100.70.26.129/30" {
					t.Errorf("pe_address %v, want 100.70.26.129/30 (the 100,001st /30)", got)
				}
				links, _ := r.Derived["links"].([]any)
				if len(links) != 2 || links[0] != "pe1 ge-0/0/3 VLAN 300: PE 100.70.26.129/30, CE 100.70.26.130/30" {
					t.Errorf("derived links %v, want the PE and CE addresses of both links", r.Derived["links"])
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := memory.NewPools()
			tc.fill(t, p)
			tc.check(t, renderWith(t, tc.pack, p, "svc-new", tc.intent))
		})
	}
}

// TestSROSServiceIDsShared: the SR OS service id comes from one pool for every pack, so an
// E-LINE and an E-LAN on one SAM never share an epipe/vpls id, while both ends of an
// E-LINE behind one SAM share theirs.
func TestSROSServiceIDsShared(t *testing.T) {
	p := memory.NewPools()
	a := renderWith(t, "eline", p, "svc-a", `{"customer": "CUST-7", "endpoints": [{"device": "sr1", "port": "1/1/3", "vlan": 100}, {"device": "sr2", "port": "1/1/3", "vlan": 100}]}`)
	b := renderWith(t, "elan", p, "svc-b", `{"customer": "CUST-7", "endpoints": [{"device": "sr1", "port": "1/1/4", "vlan": 100}, {"device": "sr3", "port": "1/1/4", "vlan": 100}]}`)
	ea, eb := a.Endpoints, b.Endpoints
	if num(ea[0].Data["sros_service_id"]) != num(ea[1].Data["sros_service_id"]) {
		t.Errorf("the ends of one epipe differ: %v, %v", ea[0].Data["sros_service_id"], ea[1].Data["sros_service_id"])
	}
	if num(ea[0].Data["sros_service_id"]) == num(eb[0].Data["sros_service_id"]) {
		t.Errorf("epipe and vpls share service id %v on sam1", ea[0].Data["sros_service_id"])
	}
}
