package junos_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/junos"
	"github.com/xprov/xprov/adapters/junos/sim"
)

// benchPorts are the customer-facing ports of a default simulated device.
var benchPorts = []string{"ge-0/0/1", "ge-0/0/2", "ge-0/0/3", "ge-0/0/4", "ge-0/0/5", "ge-0/0/6", "ge-0/0/7", "xe-0/1/1"}

// serviceLeaves is service i as the eline pack renders one Junos endpoint.
func serviceLeaves(i int) []config.Leaf {
	port := benchPorts[i%len(benchPorts)]
	vlan := fmt.Sprint(1 + i/len(benchPorts))
	nb := fmt.Sprintf("10.255.2.%d", 1+i%50)
	desc := fmt.Sprintf("service %d", i)
	ifd := "interfaces/interface[" + port + "]"
	unit := ifd + "/unit[" + vlan + "]"
	pw := "protocols/l2circuit/neighbor[" + nb + "]/interface[" + port + "." + vlan + "]"
	return leaves(
		"firewall/policer[xprov-100m]", "",
		"firewall/policer[xprov-100m]/if-exceeding/bandwidth-limit", "100m",
		"firewall/policer[xprov-100m]/if-exceeding/burst-size-limit", "125000",
		"firewall/policer[xprov-100m]/then/discard", "",
		ifd, "",
		ifd+"/encapsulation", "flexible-ethernet-services",
		ifd+"/flexible-vlan-tagging", "",
		unit, "",
		unit+"/description", desc,
		unit+"/encapsulation", "vlan-ccc",
		unit+"/family/ccc/policer/input", "xprov-100m",
		unit+"/family/ccc/policer/output", "xprov-100m",
		unit+"/input-vlan-map/pop", "",
		unit+"/output-vlan-map/push", "",
		unit+"/vlan-id", vlan,
		"protocols/l2circuit/neighbor["+nb+"]", "",
		pw, "",
		pw+"/description", desc,
		pw+"/encapsulation-type", "ethernet",
		pw+"/mtu", "9000",
		pw+"/virtual-circuit-id", fmt.Sprint(100000+i),
	)
}

// BenchmarkServiceTransaction measures the adapter's work for one service over NETCONF on
// devices holding few and many services: Fetch of the service's subtrees (as the engine
// plans) and a transaction (lock, load, commit check, confirmed commit, confirm, unlock).
// With the simulator's cost following the change, both sizes should cost about the same.
func BenchmarkServiceTransaction(b *testing.B) {
	for _, n := range []int{100, 20000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			_, c := startDevice(b, sim.Options{}, nil)
			ctx := context.Background()
			// Load the services in transactions of a few hundred (the simulator's set-line
			// parser does not know the firewall policer statements).
			const batch = 500
			for start := 0; start < n; start += batch {
				var ls []config.Leaf
				for i := start; i < n && i < start+batch; i++ {
					ls = append(ls, serviceLeaves(i)...)
				}
				transact(ctx, b, c, createCS(c.Name(), ls))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cs := createCS(c.Name(), serviceLeaves(n+i))
				// What the service creates: its unit, its l2circuit interface and its policer.
				// (The engine asks for more: see the report of this benchmark's commit.)
				port, vlan := benchPorts[(n+i)%len(benchPorts)], fmt.Sprint(1+(n+i)/len(benchPorts))
				roots := []config.Path{
					p("firewall/policer[xprov-100m]"),
					p("interfaces/interface[" + port + "]/unit[" + vlan + "]"),
					p(fmt.Sprintf("protocols/l2circuit/neighbor[10.255.2.%d]/interface[%s.%s]", 1+(n+i)%50, port, vlan)),
				}
				if _, err := c.Fetch(ctx, roots); err != nil {
					b.Fatal(err)
				}
				transact(ctx, b, c, cs)
			}
		})
	}
}

func transact(ctx context.Context, b *testing.B, c *junos.Client, cs config.ChangeSet) {
	b.Helper()
	tx, err := c.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.Prepare(ctx, cs, adapters.PrepareOptions{Comment: "bench"}); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
}
