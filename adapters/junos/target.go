package junos

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/xmltree"
)

// Fetch returns the running configuration at or below each path, parsed back into leaves.
// A nil or empty path means the whole configuration.
func (c *Client) Fetch(ctx context.Context, paths []config.Path) ([]config.Leaf, error) {
	return c.fetch(ctx, "fetch", "running", paths, callOpts{retry: true})
}

func (c *Client) fetch(ctx context.Context, op, source string, paths []config.Path, o callOpts) ([]config.Leaf, error) {
	if err := c.connect(ctx, "fetch"); err != nil {
		return nil, err
	}
	if op == "fetch" {
		// A read must not see a state that changes by itself (pending.go).
		if err := c.settleOrphan(ctx, "fetch"); err != nil {
			return nil, err
		}
	}
	dl := c.dialect()
	filter, filtered, err := dl.filterXML(paths)
	if err != nil {
		return nil, c.errf("fetch", err, "build filter: %v", err)
	}
	if !filtered {
		filter = ""
	}
	body := rpcGetConfig(source, filter)
	r, _, err := c.call(ctx, op, body, o)
	if err != nil {
		return nil, err
	}
	data := r.Root.Child("data")
	if data == nil {
		return nil, c.errf("fetch", adapters.ErrRejected, "get-config reply has no <data>")
	}
	if dl.junos {
		if cfg := data.Child("configuration"); cfg != nil {
			data = cfg
		} else {
			data = &xmltree.Node{}
		}
	}
	var all []config.Leaf
	leavesOf(data, nil, &all)
	out := all[:0]
	for _, l := range all {
		for _, p := range paths {
			if l.Path.HasPrefix(p) {
				out = append(out, l)
				break
			}
		}
	}
	if len(paths) == 0 {
		out = all
	}
	config.SortLeaves(out)
	return out, nil
}

// Discover reads the device's identity, loopback and physical ports.
func (c *Client) Discover(ctx context.Context) ([]adapters.Device, error) {
	if err := c.connect(ctx, "discover"); err != nil {
		return nil, err
	}
	if !c.isJunos() {
		return nil, c.errf("discover", adapters.ErrRejected, "the server does not advertise the Junos capability; discovery needs the Junos RPCs")
	}
	o := callOpts{retry: true}
	dev := adapters.Device{Name: c.cfg.Name, Vendor: "junos"}
	r, _, err := c.call(ctx, "discover", mk("get-system-information").String(), o)
	if err != nil {
		return nil, err
	}
	if si := r.Root.Child("system-information"); si != nil {
		dev.Platform = strings.ToUpper(si.ChildText("hardware-model"))
		dev.OSVersion = si.ChildText("os-version")
		dev.Serial = si.ChildText("serial-number")
	}
	r, _, err = c.call(ctx, "discover", mk("get-chassis-inventory").String(), o)
	if err != nil {
		return nil, err
	}
	if ch := r.Root.Child("chassis-inventory").Child("chassis"); ch != nil {
		if s := ch.ChildText("serial-number"); s != "" {
			dev.Serial = s
		}
		if d := ch.ChildText("description"); d != "" {
			dev.Platform = d
		}
	}
	r, _, err = c.call(ctx, "discover", mk("get-interface-information").String(), o)
	if err != nil {
		return nil, err
	}
	for _, pi := range r.Root.Child("interface-information").Find("physical-interface") {
		name := strings.TrimSpace(pi.ChildText("name"))
		if !isPort(name) {
			continue
		}
		dev.Ports = append(dev.Ports, adapters.Port{
			Name:        name,
			SpeedMbps:   parseSpeed(pi.ChildText("speed")),
			AdminUp:     pi.ChildText("admin-status") == "up",
			OperUp:      pi.ChildText("oper-status") == "up",
			Description: pi.ChildText("description"),
		})
	}
	filter := mk("configuration", mk("interfaces", mk("interface", txt("name", "lo0"))))
	r, _, err = c.call(ctx, "discover", getConfiguration(filter), o)
	if err != nil {
		return nil, err
	}
	for _, ifc := range r.Root.Find("interface") {
		if ifc.ChildText("name") != "lo0" {
			continue
		}
		for _, u := range ifc.Find("unit") {
			if u.ChildText("name") != "0" {
				continue
			}
			for _, a := range u.Child("family").Child("inet").Find("address") {
				if ip, _, ok := strings.Cut(a.ChildText("name"), "/"); ok || ip != "" {
					if dev.Address == "" {
						dev.Address = ip
					}
				}
			}
		}
	}
	return []adapters.Device{dev}, nil
}

func getConfiguration(filter *el) string {
	e := mk("get-configuration", filter).attr("database", "committed").attr("format", "xml")
	return e.String()
}

func isPort(name string) bool {
	for _, p := range []string{"ge-", "xe-", "et-", "fe-", "mge-"} {
		if strings.HasPrefix(name, p) && !strings.Contains(name, ".") {
			return true
		}
	}
	return false
}

// parseSpeed reads Junos speed strings ("1000mbps", "10Gbps", "Unlimited") as Mbps.
func parseSpeed(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := 1
	switch {
	case strings.HasSuffix(s, "gbps"):
		mult, s = 1000, strings.TrimSuffix(s, "gbps")
	case strings.HasSuffix(s, "mbps"):
		s = strings.TrimSuffix(s, "mbps")
	default:
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n * mult
}

// Op runs an operational command through the Junos command RPC and returns its text and XML
// forms.
func (c *Client) Op(ctx context.Context, device, command string) (adapters.OpResult, error) {
	if device != "" && device != c.cfg.Name {
		return adapters.OpResult{}, c.errf("op", adapters.ErrRejected, "device %q is not this target", device)
	}
	o := callOpts{retry: true}
	r, _, err := c.call(ctx, "op", txt("command", command).attr("format", "text").String(), o)
	if err != nil {
		return adapters.OpResult{}, err
	}
	res := adapters.OpResult{}
	if out := r.Root.Find("output"); len(out) > 0 {
		res.Text = out[0].Text
	}
	r, _, err = c.call(ctx, "op", txt("command", command).String(), o)
	if err != nil {
		return res, err
	}
	if len(r.Root.Children) > 0 {
		res.XML = innerXML(r.Root)
	}
	return res, nil
}

// innerXML re-encodes the children of e.
func innerXML(e *xmltree.Node) string {
	var b strings.Builder
	for _, k := range e.Children {
		b.WriteString(toEl(k).String())
	}
	return b.String()
}

func toEl(x *xmltree.Node) *el {
	e := &el{name: x.Name.Local}
	if len(x.Children) == 0 {
		e.text = x.Text
	}
	for _, a := range x.Attr {
		if a.Name.Space == "" && a.Name.Local != "xmlns" {
			e.attrs = append(e.attrs, a)
		}
	}
	for _, k := range x.Children {
		e.kids = append(e.kids, toEl(k))
	}
	return e
}

// Render renders cs as Junos set/delete lines, with the NETCONF edit-config XML beside them.
func (c *Client) Render(cs config.ChangeSet) (adapters.Rendering, error) {
	dl := c.dialect()
	if !dl.junos && len(c.cfg.Namespaces) == 0 {
		dl.junos = true // not connected yet: render as for Junos
	}
	doc, err := dl.editXML(cs)
	if err != nil {
		return adapters.Rendering{}, fmt.Errorf("junos: render for %s: %w", c.cfg.Name, err)
	}
	return adapters.Rendering{Format: "junos-set", Text: SetLines(cs), Extra: map[string]string{"netconf-xml": doc}}, nil
}
