package sim

import (
	"strings"
	"testing"
)

func newTestFleet(t *testing.T, n int) *Fleet {
	t.Helper()
	f, err := NewFleet(FleetOptions{Devices: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func eline(port, vlan, nb, vc, mtu string) string {
	return strings.Join([]string{
		"set interfaces " + port + " flexible-vlan-tagging",
		"set interfaces " + port + " encapsulation flexible-ethernet-services",
		"set interfaces " + port + " unit " + vlan + " encapsulation vlan-ccc vlan-id " + vlan,
		"set protocols l2circuit neighbor " + nb + " interface " + port + "." + vlan + " virtual-circuit-id " + vc + " mtu " + mtu,
	}, "\n")
}

func vrf(port, vlan, addr, name, extra string) string {
	return strings.Join([]string{
		"set interfaces " + port + " flexible-vlan-tagging",
		"set interfaces " + port + " encapsulation flexible-ethernet-services",
		"set interfaces " + port + " unit " + vlan + " vlan-id " + vlan + " family inet address " + addr,
		"set routing-instances " + name + " instance-type vrf interface " + port + "." + vlan,
		"set routing-instances " + name + " route-distinguisher 65000:1 vrf-target target:65000:1",
		extra,
	}, "\n")
}

// TestOperationalCommands: the commands the bundled packs' ops send are answered with Junos'
// layout, from the running configuration and the other PEs of the fleet.
func TestOperationalCommands(t *testing.T) {
	f := newTestFleet(t, 3)
	pe1, pe2, pe3 := f.Device("pe1"), f.Device("pe2"), f.Device("pe3")
	must := func(d *Device, lines string) {
		t.Helper()
		if err := d.LoadSet(lines); err != nil {
			t.Fatal(err)
		}
	}
	// pe1-pe2: a pseudowire configured on both ends; pe1-pe3: pe3 has nothing; pe1 vc 8 to pe2
	// with another MTU on pe2.
	must(pe1, eline("ge-0/0/1", "100", pe2.Loopback(), "7", "1500")+"\n"+eline("ge-0/0/1", "101", pe3.Loopback(), "9", "1500")+"\n"+eline("ge-0/0/1", "102", pe2.Loopback(), "8", "1500"))
	must(pe2, eline("ge-0/0/2", "200", pe1.Loopback(), "7", "1500")+"\n"+eline("ge-0/0/2", "201", pe1.Loopback(), "8", "9000"))
	must(pe1, vrf("ge-0/0/3", "300", "192.0.2.1/30", "V", "set routing-instances V protocols bgp group CE type external neighbor 192.0.2.2 peer-as 65101"))
	must(pe2, vrf("ge-0/0/3", "300", "198.51.100.1/30", "V", ""))
	must(pe1, "set interfaces ge-0/0/4 flexible-vlan-tagging\nset interfaces ge-0/0/4 encapsulation flexible-ethernet-services\nset interfaces ge-0/0/4 unit 400 encapsulation vlan-vpls vlan-id 400\n"+
		"set routing-instances E instance-type vpls interface ge-0/0/4.400\nset routing-instances E protocols vpls vpls-id 40 neighbor "+pe2.Loopback()+"\nset routing-instances E protocols vpls neighbor "+pe3.Loopback())
	must(pe2, "set interfaces ge-0/0/4 flexible-vlan-tagging\nset interfaces ge-0/0/4 encapsulation flexible-ethernet-services\nset interfaces ge-0/0/4 unit 400 encapsulation vlan-vpls vlan-id 400\n"+
		"set routing-instances E instance-type vpls interface ge-0/0/4.400\nset routing-instances E protocols vpls vpls-id 40 neighbor "+pe1.Loopback())

	tests := []struct {
		cmd  string
		want []string
		not  []string
	}{
		{"show l2circuit connections interface ge-0/0/1.100", []string{"Neighbor: " + pe2.Loopback(), "ge-0/0/1.100(vc 7)        rmt   Up", "Remote PE: " + pe2.Loopback(), "Local interface: ge-0/0/1.100, Status: Up, Encapsulation: VLAN"}, []string{"(vc 9)"}},
		{"show l2circuit connections interface ge-0/0/1.101", []string{"ge-0/0/1.101(vc 9)        rmt   OL", "Outgoing label: NA"}, nil},
		{"show l2circuit connections interface ge-0/0/1.102", []string{"ge-0/0/1.102(vc 8)        rmt   MM"}, nil},
		{"show l2circuit connections", []string{"(vc 7)", "(vc 8)", "(vc 9)"}, nil},
		{"show vpls connections instance E", []string{"Instance: E", "VPLS-id: 40", pe2.Loopback() + "(vpls-id 40)", "rmt   Up", pe3.Loopback() + "(vpls-id 40)", "rmt   OL"}, nil},
		{"show bgp summary instance V", []string{"Groups: 1 Peers: 1 Down peers: 1", "V.inet.0", "192.0.2.2", "65101", "Active"}, nil},
		{"show route table V.inet.0", []string{"V.inet.0: 2 destinations", "192.0.2.0/30", "Direct", "ge-0/0/3.300"}, nil},
		{"ping 192.0.2.2 routing-instance V count 3", []string{"PING 192.0.2.2 (192.0.2.2): 56 data bytes", "64 bytes from 192.0.2.2: icmp_seq=2", "3 packets transmitted, 3 packets received, 0% packet loss"}, nil},
		{"ping 198.51.100.2 routing-instance V count 2 rapid", []string{"!!", "2 packets transmitted, 2 packets received, 0% packet loss"}, nil},
		{"ping 203.0.113.9 routing-instance V count 2", []string{"2 packets transmitted, 0 packets received, 100% packet loss"}, []string{"64 bytes"}},
		{"ping 192.0.2.2", []string{"5 packets transmitted, 0 packets received, 100% packet loss"}, nil},
		{"ping " + pe2.Loopback() + " count 1", []string{"1 packets transmitted, 1 packets received, 0% packet loss"}, nil},
	}
	for _, tc := range tests {
		out, _, ok := pe1.runCommand(tc.cmd)
		if !ok {
			t.Errorf("%s: not understood", tc.cmd)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.cmd, w, out)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(out, w) {
				t.Errorf("%s: output has %q:\n%s", tc.cmd, w, out)
			}
		}
	}
	for _, bad := range []string{"show vpls connections instance NOPE", "ping 1.2.3.4 routing-instance NOPE", "ping banana", "show bgp summary instance NOPE"} {
		if _, _, ok := pe1.runCommand(bad); ok {
			t.Errorf("%s: answered", bad)
		}
	}
}
