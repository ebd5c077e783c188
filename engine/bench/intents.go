package bench

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/xprov/xprov/adapters"
)

// Packs are the bundled service types Run drives by default.
var Packs = []string{"eline", "elan", "l3vpn", "iptv-l3vpn"}

// job is one service of the run: its id, type, and the intents of the create and the modify.
type job struct {
	id, typ        string
	create, modify json.RawMessage
}

// slots hands out distinct (port, VLAN) pairs per device: ports in turn, then the next VLAN.
// VLANs are the operator's (claimed), so they never meet the automatic VLAN pool.
type slots struct {
	ports map[string][]string
	next  map[string]int
}

func newSlots(devs []adapters.Device) *slots {
	s := &slots{ports: map[string][]string{}, next: map[string]int{}}
	for _, d := range devs {
		for _, p := range d.Ports {
			if p.AdminUp {
				s.ports[d.Name] = append(s.ports[d.Name], p.Name)
			}
		}
	}
	return s
}

func (s *slots) take(dev string) (string, int, error) {
	ps := s.ports[dev]
	if len(ps) == 0 {
		return "", 0, fmt.Errorf("bench: %s has no port up", dev)
	}
	n := s.next[dev]
	s.next[dev]++
	vlan := 2 + n/len(ps)
	if vlan > 4094 {
		return "", 0, fmt.Errorf("bench: %s is out of VLANs (%d ports × 4093); use more devices", dev, len(ps))
	}
	return ps[n%len(ps)], vlan, nil
}

// endpointsOf is how many endpoints a service of each type gets.
var endpointsOf = map[string]int{"eline": 2, "elan": 3, "l3vpn": 2, "iptv-l3vpn": 2, "dia": 2}

// plan makes n services of the given types in turn, each on distinct devices chosen so that
// every device and every vendor pairing gets its share: Junos and SR nodes alternate in the
// device order, and each service starts one device further with a stride that changes every
// round.
func plan(devs []adapters.Device, types []string, n int) ([]job, error) {
	jun, sr := byVendor(devs)
	sort.Slice(jun, func(i, j int) bool { return jun[i].Name < jun[j].Name })
	sort.Slice(sr, func(i, j int) bool { return sr[i].Name < sr[j].Name })
	var order []string
	for i := 0; i < max(len(jun), len(sr)); i++ {
		if i < len(jun) {
			order = append(order, jun[i].Name)
		}
		if i < len(sr) {
			order = append(order, sr[i].Name)
		}
	}
	if len(order) < 2 {
		return nil, fmt.Errorf("bench: need at least two devices, have %d", len(order))
	}
	sl := newSlots(devs)
	out := make([]job, 0, n)
	for i := 0; i < n; i++ {
		typ := types[i%len(types)]
		k := min(endpointsOf[typ], len(order))
		stride := 1 + (i/len(order))%(len(order)-1)
		used := map[string]bool{}
		var eps []map[string]any
		for j, c := 0, i; j < k; c += stride {
			d := order[c%len(order)]
			if used[d] {
				c += 1 - stride // try the next device
				continue
			}
			used[d] = true
			port, vlan, err := sl.take(d)
			if err != nil {
				return nil, err
			}
			eps = append(eps, map[string]any{"device": d, "port": port, "vlan": vlan})
			j++
		}
		create, modify := intentsOf(typ, i, eps)
		out = append(out, job{id: fmt.Sprintf("bench-%s-%06d", typ, i), typ: typ, create: create, modify: modify})
	}
	return out, nil
}

// intentsOf is a service's create intent and the modify that changes its bandwidth profile
// (a change on every endpoint: policers on Junos, QoS policies on SR OS).
func intentsOf(typ string, i int, eps []map[string]any) (json.RawMessage, json.RawMessage) {
	in := map[string]any{"customer": "CUST-1", "description": fmt.Sprintf("bench %s %d", typ, i), "bandwidth": "10M", "endpoints": eps}
	if typ == "iptv-l3vpn" {
		in["multicast"] = map[string]any{"mode": "ssm"}
	}
	create, _ := json.Marshal(in)
	in["bandwidth"] = "100M"
	modify, _ := json.Marshal(in)
	return create, modify
}

// byVendor splits devices into Junos devices and SR nodes.
func byVendor(devs []adapters.Device) (jun, sr []adapters.Device) {
	for _, d := range devs {
		switch d.Vendor {
		case "junos":
			jun = append(jun, d)
		case "sros":
			sr = append(sr, d)
		}
	}
	return jun, sr
}
