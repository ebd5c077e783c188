package sim

import (
	"strings"
	"testing"
)

func mustCreate(t *testing.T, s *Server, parent string, o Object) {
	t.Helper()
	if _, err := s.Create(parent, o); err != nil {
		t.Fatal(err)
	}
}

// cliLab: an epipe 1000 between sr1 and sr2 (spoke SDPs both ways), one to an unmanaged PE
// (10.255.1.1) on sr3, and VPRN 2000 on sr1 with a CE interface and a static route.
func cliLab(t *testing.T) *Server {
	s := New(Options{Nodes: 3})
	site := func(addr, port, far string) Object {
		return Object{Class: "epipe.Site", Props: m{"siteId": addr}, Children: []Object{
			{Class: "vll.L2AccessInterface", Props: m{"portName": port, "innerEncapValue": "300", "administrativeState": "up"}},
			{Class: "svt.SpokeSdpBinding", Props: m{"tunnelSelectionTerminationSiteId": far, "vcId": "1000"}},
		}}
	}
	mustCreate(t, s, "svc-mgr", Object{Class: "epipe.Epipe", Props: m{"serviceId": "1000", "customerId": "1", "displayedName": "eline-1000", "mtu": "1514"},
		Children: []Object{site("10.255.2.1", "1/1/3", "10.255.2.2"), site("10.255.2.2", "1/1/4", "10.255.2.1"), site("10.255.2.3", "1/1/4", "10.255.1.1")}})
	mustCreate(t, s, "svc-mgr", Object{Class: "vprn.Vprn", Props: m{"serviceId": "2000", "customerId": "1"}, Children: []Object{
		{Class: "vprn.Site", Props: m{"siteId": "10.255.2.1", "routeDistinguisher": "65000:2000"}, Children: []Object{
			{Class: "vprn.L3AccessInterface", Props: m{"interfaceName": "to-ce", "portName": "1/1/5", "innerEncapValue": "400", "ipAddress": "172.31.0.1/30"}},
			{Class: "rtr.StaticRoute", Props: m{"destination": "10.1.0.0/16", "nextHop": "172.31.0.2"}},
			{Class: "bgp.Peer", Props: m{"peerAddress": "172.31.0.2", "peerAS": "65101", "description": "CE"}},
			{Class: "bgp.Peer", Props: m{"peerAddress": "192.0.2.9", "peerAS": "65102"}},
		}}}})
	return s
}

func TestCLI(t *testing.T) {
	s := cliLab(t)
	tests := []struct {
		name, site, command string
		want                []string
		err                 string
	}{
		{"service base", "10.255.2.1", "show service id 1000 base", []string{
			"Service Basic Information", "Service Id        : 1000", "Service Type      : Epipe", "Name              : eline-1000",
			"Admin State       : Up                  Oper State        : Up", "MTU               : 1514",
			"SAP Count         : 1                   SDP Bind Count    : 1",
			"sap:1/1/3:300                            q-tag        Up   Up",
			"sdp:514:1000 S(10.255.2.2)               Spok         Up   Up"}, ""},
		{"service not on the node", "10.255.2.1", "show service id 999 base", nil, "MINOR: SVCMGR #1003 Service 999 does not exist."},
		{"route table", "10.255.2.1", "show router 2000 route-table", []string{
			"Route Table (Service: 2000)", "172.31.0.0/30                                 Local   Local", "to-ce",
			"10.1.0.0/16                                   Remote  Static", "172.31.0.2", "No. of Routes: 2"}, ""},
		{"bgp summary", "10.255.2.1", "show router 2000 bgp summary", []string{
			"Total Peers             : 2", "172.31.0.2\nCE\n                65101       0    0 00h00m00s 0/0/0 (IPv4)",
			"192.0.2.9\n(Not Specified)\n                65102       0    0 00h00m00s Active"}, ""},
		{"sdp-ping both ends managed", "10.255.2.1", "oam sdp-ping 514", []string{
			"Request Result: Sent - Reply Received", "Operative State:        Up             Up", "Expected Peer IP:       10.255.2.2", "Err Code 0 = ok"}, ""},
		{"sdp-ping unmanaged far end", "10.255.2.3", "oam sdp-ping 257", []string{"Reply Received", "Operative State:        Up             Not Specified"}, ""},
		{"sdp-ping missing sdp", "10.255.2.1", "oam sdp-ping 99", []string{"Request Timeout", "SDP 99 does not exist on sr1"}, ""},
		{"ping the CE", "10.255.2.1", "ping 172.31.0.2 router 2000", []string{"64 bytes from 172.31.0.2: icmp_seq=5", "5 packets transmitted, 5 packets received, 0.00% packet loss"}, ""},
		{"ping behind a static route", "10.255.2.1", "ping 10.1.2.3 router 2000 count 5", []string{"0.00% packet loss"}, ""},
		{"ping nowhere", "10.255.2.1", "ping 192.0.2.9 router 2000", []string{"Request timed out. icmp_seq=1.", "100% packet loss"}, ""},
		{"ping in a missing vprn", "10.255.2.2", "ping 172.31.0.2 router 2000", nil, `MINOR: CLI Invalid router "2000".`},
		{"bad command", "10.255.2.1", "show frobnicate", nil, "Error: Bad command."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.CLI(tc.site, tc.command)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q\n%s", err, tc.err, out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	// The output follows the state: a SAP administratively down shows, and the interface
	// down takes the CE off the route table and out of ping's reach.
	if _, err := s.Create("svc-mgr:service-1000:10.255.2.1", Object{Class: "vll.L2AccessInterface", Props: m{"portName": "1/1/6", "innerEncapValue": "301", "administrativeState": "down"}}); err != nil {
		t.Fatal(err)
	}
	out, _ := s.CLI("10.255.2.1", "show service id 1000 base")
	if !strings.Contains(out, "sap:1/1/6:301                            q-tag        Down Down") || !strings.Contains(out, "SAP Count         : 2") {
		t.Errorf("new SAP missing:\n%s", out)
	}
}
