package sim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"testing"

	"github.com/xprov/xprov/adapters/xmltree"
)

// benchPorts are the customer-facing ports of a default 10-port device (ge-0/0/0 and
// xe-0/1/0 are core links with untagged unit 0).
var benchPorts = []string{"ge-0/0/1", "ge-0/0/2", "ge-0/0/3", "ge-0/0/4", "ge-0/0/5", "ge-0/0/6", "ge-0/0/7", "xe-0/1/1"}

// serviceConfig renders service i the way the eline pack renders one Junos endpoint: a
// policer, a vlan-ccc unit on a flexible-ethernet-services port and an l2circuit to the
// other PE's loopback.
func serviceConfig(i int) *xmltree.Node {
	port := benchPorts[i%len(benchPorts)]
	vlan := strconv.Itoa(1 + i/len(benchPorts))
	nb := fmt.Sprintf("10.255.2.%d", 1+i%50)
	desc := fmt.Sprintf("service %d", i)
	return el("configuration",
		el("firewall", el("policer", tx("name", "xprov-100m"),
			el("if-exceeding", tx("bandwidth-limit", "100m"), tx("burst-size-limit", "125000")),
			el("then", el("discard")))),
		el("interfaces", el("interface", tx("name", port),
			tx("encapsulation", "flexible-ethernet-services"),
			el("flexible-vlan-tagging"),
			el("unit", tx("name", vlan),
				tx("description", desc),
				tx("encapsulation", "vlan-ccc"),
				tx("vlan-id", vlan),
				el("input-vlan-map", el("pop")),
				el("output-vlan-map", el("push")),
				el("family", el("ccc", el("policer", tx("input", "xprov-100m"), tx("output", "xprov-100m"))))))),
		el("protocols", el("l2circuit", el("neighbor", tx("name", nb),
			el("interface", tx("name", port+"."+vlan),
				tx("description", desc),
				tx("encapsulation-type", "ethernet"),
				tx("mtu", "9000"),
				tx("virtual-circuit-id", strconv.Itoa(100000+i)))))))
}

// rpcMsg wraps an operation in an rpc element.
func rpcMsg(op *xmltree.Node) []byte {
	r := &xmltree.Node{Name: xml.Name{Space: nsBase, Local: "rpc"}, Attr: []xml.Attr{{Name: xml.Name{Local: "message-id"}, Value: "1"}}}
	r.Add(op)
	return marshal(r)
}

// benchDevice starts a device whose running configuration holds services 0..n-1.
func benchDevice(b *testing.B, n int) *Device {
	b.Helper()
	d, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	d.mu.Lock()
	defer d.mu.Unlock()
	run := d.running
	for i := 0; i < n; i++ {
		var errs []editError
		run = edit(run, fromElem(serviceConfig(i)), "merge", nil, &errs)
		if hasErrors(errs) {
			b.Fatalf("service %d: %v", i, errs)
		}
	}
	if errs := d.checkLocked(run, false); hasErrors(errs) {
		b.Fatalf("services: %v", errs)
	}
	d.commitLocked(run, true, "cli", "root", "")
	d.candidate = run
	return d
}

// BenchmarkServiceCommit measures what the adapter's transaction costs the simulator for
// one service (lock, edit-config, commit check, confirmed commit, confirming commit,
// unlock) on devices holding few and many services. The cost must follow the change, not
// the configuration: both sizes should cost about the same.
func BenchmarkServiceCommit(b *testing.B) {
	for _, n := range []int{100, 20000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			d := benchDevice(b, n)
			base := d.running
			s := &session{id: int(sessionIDs.Add(1)), user: "bench", dev: d, killed: make(chan struct{})}
			lock := rpcMsg(el("lock", el("target", el("candidate"))))
			unlock := rpcMsg(el("unlock", el("target", el("candidate"))))
			check := rpcMsg(el("commit-configuration", el("check")))
			confirmed := rpcMsg(el("commit", el("confirmed"), tx("confirm-timeout", "600")))
			confirm := rpcMsg(el("commit-configuration", tx("log", "bench")))
			// The device grows by one service per iteration; it is reset every 64 so that
			// the small device stays small.
			const batch = 64
			edits := make([][]byte, batch)
			for i := range edits {
				edits[i] = rpcMsg(el("edit-config", el("target", el("candidate")), tx("default-operation", "merge"),
					tx("error-option", "rollback-on-error"), el("config", serviceConfig(n+i))))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%batch == 0 && i > 0 {
					b.StopTimer()
					benchReset(d, base)
					b.StartTimer()
				}
				for _, m := range [][]byte{lock, edits[i%batch], check, confirmed, confirm, unlock} {
					out, _ := s.handle(m)
					if hasRPCError(out) {
						b.Fatalf("%s\n-> %s", m, out)
					}
				}
			}
		})
	}
}

func hasRPCError(reply []byte) bool { return bytes.Contains(reply, []byte("rpc-error")) }

// benchReset makes base the running configuration again.
func benchReset(d *Device, base *cnode) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.commitLocked(base, true, "cli", "root", "")
	d.candidate = base
}
