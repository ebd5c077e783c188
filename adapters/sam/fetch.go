package sam

import (
	"context"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam/samo"
	"github.com/xprov/xprov/adapters/xmltree"
)

// Fetch returns the service objects at or below each path, as leaves in the form packs render
// (one leaf per object, one per configuration property). Each path costs one find narrowed to
// its object by FDN: an object path reads that object's subtree, a property path the object
// alone, so a request's cost does not grow with the services the SAM holds. A nil or empty
// path means every service the SAM holds (an audit, whose cost does).
func (t *Target) Fetch(ctx context.Context, paths []config.Path) ([]config.Leaf, error) {
	seen := map[string]bool{}
	var out []config.Leaf
	add := func(ls []config.Leaf, under config.Path) {
		for _, l := range ls {
			if !l.Path.HasPrefix(under) {
				continue
			}
			k := l.Path.String()
			if !seen[k] {
				seen[k] = true
				out = append(out, l)
			}
		}
	}
	for _, p := range paths {
		if len(p) == 0 {
			for _, class := range serviceClasses {
				objs, err := t.find(ctx, "fetch", "", class, nil, nil)
				if err != nil {
					return nil, err
				}
				for _, o := range objs {
					add(leavesOf(o, nil), nil)
				}
			}
			continue
		}
		obj := p
		for len(obj) > 0 && !obj.Last().IsEntry() {
			obj = obj.Parent()
		}
		ref, err := resolve(obj)
		if err != nil {
			return nil, &adapters.Error{Target: t.opts.Name, Op: "fetch", Path: p.String(), Msg: err.Error(), Err: err}
		}
		var rf *resultFilter
		if len(obj) < len(p) {
			rf = &resultFilter{Children: &children{}} // a property: its object without the subtree
		}
		objs, err := t.find(ctx, "fetch", p.String(), ref.class, &equal{Name: "objectFullName", Value: ref.fdn}, rf)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			add(leavesOf(o, obj.Parent()), p)
		}
	}
	config.SortLeaves(out)
	return out, nil
}

// leavesOf flattens a find result object (and its children) below parent.
func leavesOf(n *xmltree.Node, parent config.Path) []config.Leaf {
	cl := classes.Class(n.Name.Local)
	if cl == nil {
		return nil
	}
	props := configProps(n)
	key := cl.KeyOf(props)
	if parent == nil && classes.ExistsAlways(cl.Name, key) {
		return nil // a default policy every SAM has: no service's configuration
	}
	p := parent.Child(config.Seg{Name: n.Name.Local, Key: key, Keyed: true})
	out := []config.Leaf{{Path: p}}
	for _, k := range sortedKeys(props) {
		out = append(out, config.Leaf{Path: p.Child(config.Seg{Name: k}), Value: props[k]})
	}
	if cs := n.Child("children-Set"); cs != nil {
		for _, c := range cs.Children {
			out = append(out, leavesOf(c, p)...)
		}
	}
	return out
}

// Discover returns the SR nodes the SAM manages (netw.NetworkElement) with their physical
// ports (equipment.PhysicalPort).
func (t *Target) Discover(ctx context.Context) ([]adapters.Device, error) {
	nes, err := t.find(ctx, "discover", "", "netw.NetworkElement", nil, &resultFilter{
		Attributes: []string{"siteName", "siteId", "chassisType", "product", "version", "serialNumber"},
		Children:   &children{},
	})
	if err != nil {
		return nil, err
	}
	ports, err := t.find(ctx, "discover", "", "equipment.PhysicalPort", nil, &resultFilter{
		Attributes: []string{"siteId", "portName", "speed", "administrativeState", "operationalState", "description"},
		Children:   &children{},
	})
	if err != nil {
		return nil, err
	}
	byNE := map[string][]adapters.Port{}
	for _, p := range ports {
		speed, _ := strconv.Atoi(p.ChildText("speed"))
		byNE[p.ChildText("siteId")] = append(byNE[p.ChildText("siteId")], adapters.Port{
			Name:        p.ChildText("portName"),
			SpeedMbps:   speed,
			AdminUp:     isUp(p.ChildText("administrativeState")),
			OperUp:      isUp(p.ChildText("operationalState")),
			Description: p.ChildText("description"),
		})
	}
	devs := make([]adapters.Device, 0, len(nes))
	for _, ne := range nes {
		platform := ne.ChildText("chassisType")
		if platform == "" {
			platform = ne.ChildText("product")
		}
		addr := ne.ChildText("siteId")
		ps := byNE[addr]
		sort.Slice(ps, func(i, j int) bool { return portLess(ps[i].Name, ps[j].Name) })
		devs = append(devs, adapters.Device{
			Name: ne.ChildText("siteName"), Vendor: "sros", Platform: platform, OSVersion: ne.ChildText("version"),
			Serial: ne.ChildText("serialNumber"), Address: addr, NMS: t.opts.Name, Ports: ps,
		})
	}
	sort.Slice(devs, func(i, j int) bool { return devs[i].Name < devs[j].Name })
	return devs, nil
}

func isUp(s string) bool { return s == "up" || s == "portInService" || s == "serviceUp" }

// portLess orders 1/1/2 before 1/1/10.
func portLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, e1 := strconv.Atoi(as[i])
		y, e2 := strconv.Atoi(bs[i])
		if e1 == nil && e2 == nil && x != y {
			return x < y
		}
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

// Op answers an operational command about one node. SR OS commands run on the node through
// the SAM (script.ScriptManager.executeCli) and come back as SR OS prints them:
//
//	show service id <id> base     the service, its SAPs and SDP bindings on the node
//	show router <id> route-table  a VPRN's routes
//	oam sdp-ping <sdp-id>         the SDP to a far end
//	ping <address> [router <id>]  reachability, in a VPRN with router <id>
//
// and these are answered from SAM's database:
//
//	show port [<port>]        ports of the node with admin/oper state
//	show service <serviceId>  the service's objects on the node with their oper state
//	show services             the services with a site on the node
func (t *Target) Op(ctx context.Context, device, command string) (adapters.OpResult, error) {
	fail := func(msg string) (adapters.OpResult, error) {
		return adapters.OpResult{}, &adapters.Error{Target: t.opts.Name, Op: "op", Path: device, Msg: msg, Err: adapters.ErrRejected}
	}
	nes, err := t.find(ctx, "op", device, "netw.NetworkElement", &equal{Name: "siteName", Value: device},
		&resultFilter{Attributes: []string{"siteName", "siteId"}, Children: &children{}})
	if err != nil {
		return adapters.OpResult{}, err
	}
	if len(nes) == 0 {
		return fail(fmt.Sprintf("SAM %s manages no node named %q", t.opts.Name, device))
	}
	addr := nes[0].ChildText("siteId")
	if isCLI(command) {
		var out string
		err := t.call(ctx, "op", device, "executeCli", false, func(ctx context.Context, api samo.XmlApi) error {
			r, err := api.Script_ScriptManager_executeCliContext(ctx, &samo.Script_ScriptManager_executeCli{SiteId: addr, Command: command})
			if r != nil {
				out = r.Result
			}
			return err
		})
		if err != nil {
			return adapters.OpResult{}, err
		}
		return adapters.OpResult{Text: out}, nil
	}
	f := strings.Fields(command)
	if len(f) > 0 && f[0] == "show" {
		f = f[1:]
	}
	var objs []*xmltree.Node
	var text strings.Builder
	switch {
	case len(f) >= 1 && len(f) <= 2 && f[0] == "port":
		var flt any = &equal{Name: "siteId", Value: addr}
		if len(f) == 2 {
			flt = &and{Items: []any{flt, &equal{Name: "portName", Value: f[1]}}}
		}
		if objs, err = t.find(ctx, "op", device, "equipment.PhysicalPort", flt, &resultFilter{Children: &children{}}); err != nil {
			return adapters.OpResult{}, err
		}
		sort.Slice(objs, func(i, j int) bool { return portLess(objs[i].ChildText("portName"), objs[j].ChildText("portName")) })
		fmt.Fprintf(&text, "%-10s %-6s %-6s %-8s %s\n", "Port", "Admin", "Oper", "Speed", "Description")
		for _, p := range objs {
			fmt.Fprintf(&text, "%-10s %-6s %-6s %-8s %s\n", p.ChildText("portName"), p.ChildText("administrativeState"),
				p.ChildText("operationalState"), p.ChildText("speed"), p.ChildText("description"))
		}
		if len(objs) == 0 {
			return fail(fmt.Sprintf("no port %s on %s", strings.Join(f[1:], " "), device))
		}
	case len(f) == 1 && f[0] == "services":
		fmt.Fprintf(&text, "%-10s %-14s %-6s %s\n", "Service", "Class", "Oper", "Site")
		for _, class := range []string{"epipe.Site", "vpls.Site", "vprn.Site"} {
			sites, err := t.find(ctx, "op", device, class, &equal{Name: "siteId", Value: addr},
				&resultFilter{Attributes: []string{"objectFullName", "operationalState"}, Children: &children{}})
			if err != nil {
				return adapters.OpResult{}, err
			}
			for _, s := range sites {
				fdn := s.ChildText("objectFullName")
				svc := fdn
				if parts := strings.SplitN(fdn, ":", 3); len(parts) >= 2 {
					svc = strings.TrimPrefix(parts[1], "service-")
				}
				fmt.Fprintf(&text, "%-10s %-14s %-6s %s\n", svc, class, s.ChildText("operationalState"), addr)
			}
			objs = append(objs, sites...)
		}
	case len(f) == 2 && f[0] == "service":
		for _, class := range serviceClasses {
			svcs, err := t.find(ctx, "op", device, class, &equal{Name: "serviceId", Value: f[1]}, nil)
			if err != nil {
				return adapters.OpResult{}, err
			}
			for _, s := range svcs {
				objs = append(objs, s)
				fmt.Fprintf(&text, "Service %s (%s) customer %s admin %s oper %s\n", s.ChildText("serviceId"), s.Name.Local,
					s.ChildText("customerId"), orUp(s.ChildText("administrativeState")), s.ChildText("operationalState"))
				for _, site := range s.Child("children-Set").Elements() {
					if site.ChildText("siteId") != addr {
						continue
					}
					writeOpTree(&text, site, "  ")
				}
			}
		}
		if len(objs) == 0 {
			return fail(fmt.Sprintf("no service %s", f[1]))
		}
	default:
		return fail(fmt.Sprintf("unknown command %q (try: show service id <id> base, show router <id> route-table, oam sdp-ping <sdp-id>, ping <address> [router <id>], show port [<port>], show services)", command))
	}
	var xb strings.Builder
	for _, o := range objs {
		writeNode(&xb, o)
	}
	return adapters.OpResult{Text: text.String(), XML: xb.String()}, nil
}

// isCLI tells the SR OS commands that run on the node (through the SAM) from those answered
// from SAM's database.
func isCLI(command string) bool {
	f := strings.Fields(command)
	switch {
	case len(f) >= 3 && f[0] == "show" && f[1] == "service" && f[2] == "id",
		len(f) >= 2 && f[0] == "show" && f[1] == "router",
		len(f) >= 1 && (f[0] == "oam" || f[0] == "ping"):
		return true
	}
	return false
}

func orUp(s string) string {
	if s == "" {
		return "up"
	}
	return s
}

func writeOpTree(b *strings.Builder, n *xmltree.Node, indent string) {
	key := ""
	if cl := classes.Class(n.Name.Local); cl != nil {
		key = cl.KeyOf(configProps(n))
	}
	fmt.Fprintf(b, "%s%s[%s] admin %s oper %s\n", indent, n.Name.Local, key, orUp(n.ChildText("administrativeState")), n.ChildText("operationalState"))
	for _, c := range n.Child("children-Set").Elements() {
		writeOpTree(b, c, indent+"  ")
	}
}

// writeNode re-encodes a result node with encoding/xml.
func writeNode(b *strings.Builder, n *xmltree.Node) {
	e := xml.NewEncoder(b)
	var enc func(n *xmltree.Node)
	enc = func(n *xmltree.Node) {
		start := xml.StartElement{Name: xml.Name{Local: n.Name.Local}}
		_ = e.EncodeToken(start)
		if len(n.Children) == 0 {
			_ = e.EncodeToken(xml.CharData(strings.TrimSpace(n.Text)))
		}
		for _, c := range n.Children {
			enc(c)
		}
		_ = e.EncodeToken(start.End())
	}
	enc(n)
	_ = e.Flush()
}
