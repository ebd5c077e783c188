package sim

import (
	"sort"

	"github.com/xprov/xprov/adapters/sam/model"
)

// sam is the SAM-O class model the simulator accepts (adapters/sam/model, data file
// sam.model): the same model the adapter plans with and `xprov pack test` checks against.
var sam = model.SAM()

// classes are the configurable classes, by name.
var classes = sam.Classes

const (
	svcMgrClass = "svc.ServiceManager"
	svcMgrFDN   = "svc-mgr"
	neClass     = "netw.NetworkElement"
	portClass   = "equipment.PhysicalPort"
	subClass    = "subscr.Subscriber"
)

// knownClass reports whether find may name class: a configurable class, a manager, or one
// of the inventory classes the simulator holds.
func knownClass(class string) bool {
	return classes[class] != nil || sam.Managers[class] != nil || sam.Externals[class] != nil || class == neClass || class == portClass
}

// encap renders a SAP's encapsulation as SR OS does: "" (null), "100" (dot1q), "100.200" (qinq).
func encap(p map[string]string) string { return model.Encap(p) }

// hasEncap tells the classes that take a port and an encapsulation on it.
func hasEncap(class string) bool {
	c := classes[class]
	return c != nil && c.Props["portName"] != nil && c.Props["portName"].Type == model.Port
}

// referrers lists, for each class, the properties of other classes that refer to it.
var referrers = func() map[string][]refBy {
	out := map[string][]refBy{}
	for _, name := range sam.Order {
		c := classes[name]
		for _, pn := range c.PropOrder {
			if r := c.Props[pn].Ref; r != nil {
				out[r.Class] = append(out[r.Class], refBy{class: name, prop: pn, scope: r.Scope})
			}
		}
	}
	return out
}()

type refBy struct {
	class, prop string
	scope       model.RefScope
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
