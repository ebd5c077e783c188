package builtins

// Module inventory, for designers.
//
// The read-only view of the network a script gets: devices, their vendor, their loopback or
// system address, the NMS that reaches them, and their ports.
//
//	inventory.device(name)          -> device struct; fails for an unknown device
//	inventory.port(device, name)    -> port struct; fails for an unknown device or port
//	inventory.devices(vendor=None)  -> list of device structs sorted by name ("junos", "sros")
//	inventory.address(name)         -> the device's loopback (Junos lo0) / system address (SR OS)
//	inventory.has_device(name)      -> bool
//	inventory.valid_port(vendor, name) -> bool: name is a port name of that vendor ("junos":
//	                                   ge-0/0/1, xe-0/1/0:2, ae0; "sros": 1/1/3, 1/1/c1/1, lag-1)
//
// A device struct has: name, vendor ("junos" or "sros"), platform, os_version, address,
// nms ("" for devices reached directly, else the NMS name, e.g. "sam1") and ports (a list of
// port structs). A port struct has: name, speed_mbps, admin_up, oper_up, description.
//
//	pe = inventory.device(ep["device"])
//	peer_ip = inventory.address(other["device"])   # "10.255.1.2"
//	inventory.port("pe1", "ge-0/0/1").speed_mbps   # 1000
//
// valid_port checks the name's form with the very patterns of schemas/common.json
// ($defs junosPort and srosPort), so a script and a schema never disagree on what a port name
// is; it does not look at inventory (use inventory.port for that) and works at top level too.
// An unknown vendor is an error listing the known ones.
//
//	if not inventory.valid_port(dev.vendor, ep["port"]):
//	    fail("%s is not a port name of %s" % (ep["port"], dev.name), field=ptr + "/port")
//
// The other functions only work while a service renders, not at a script's top level.

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/schemas"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

var inventoryModule = &starlarkstruct.Module{
	Name: "inventory",
	Members: starlark.StringDict{
		"device":     starlark.NewBuiltin("inventory.device", inventoryDevice),
		"port":       starlark.NewBuiltin("inventory.port", inventoryPort),
		"devices":    starlark.NewBuiltin("inventory.devices", inventoryDevices),
		"address":    starlark.NewBuiltin("inventory.address", inventoryAddress),
		"has_device": starlark.NewBuiltin("inventory.has_device", inventoryHasDevice),
		"valid_port": starlark.NewBuiltin("inventory.valid_port", inventoryValidPort),
	},
}

// lookupDevice returns the device struct (cached per run) and whether it exists.
func lookupDevice(thread *starlark.Thread, fn, name string) (*starlarkstruct.Struct, bool, error) {
	run, err := RunOf(thread)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", fn, err)
	}
	if v, ok := run.devices[name]; ok {
		s, _ := v.(*starlarkstruct.Struct)
		return s, s != nil, nil
	}
	if run.Inventory == nil {
		return nil, false, fmt.Errorf("%s: no inventory in this run", fn)
	}
	d, ok, err := run.Inventory.Device(run.ctx(), name)
	if err != nil {
		return nil, false, fmt.Errorf("%s(%q): %w", fn, name, err)
	}
	if run.devices == nil {
		run.devices = map[string]starlark.Value{}
	}
	if !ok {
		run.devices[name] = starlark.None
		return nil, false, nil
	}
	s := DeviceStruct(d)
	run.devices[name] = s
	return s, true, nil
}

func mustDevice(thread *starlark.Thread, fn, name string) (*starlarkstruct.Struct, error) {
	s, ok, err := lookupDevice(thread, fn, name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: no device %q in inventory: %w", fn, name, ErrUnknownDevice)
	}
	return s, nil
}

// DeviceStruct converts an inventory device into the frozen struct scripts see.
func DeviceStruct(d adapters.Device) *starlarkstruct.Struct {
	ports := make([]starlark.Value, len(d.Ports))
	for i, p := range d.Ports {
		ports[i] = PortStruct(p)
	}
	s := starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"name":       starlark.String(d.Name),
		"vendor":     starlark.String(d.Vendor),
		"platform":   starlark.String(d.Platform),
		"os_version": starlark.String(d.OSVersion),
		"address":    starlark.String(d.Address),
		"nms":        starlark.String(d.NMS),
		"ports":      starlark.NewList(ports),
	})
	s.Freeze()
	return s
}

// PortStruct converts an inventory port into the struct scripts see.
func PortStruct(p adapters.Port) *starlarkstruct.Struct {
	s := starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"name":        starlark.String(p.Name),
		"speed_mbps":  starlark.MakeInt(p.SpeedMbps),
		"admin_up":    starlark.Bool(p.AdminUp),
		"oper_up":     starlark.Bool(p.OperUp),
		"description": starlark.String(p.Description),
	})
	s.Freeze()
	return s
}

func inventoryDevice(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	return mustDevice(thread, b.Name(), name)
}

func inventoryHasDevice(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	_, ok, err := lookupDevice(thread, b.Name(), name)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(ok), nil
}

func inventoryAddress(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "name", &name); err != nil {
		return nil, err
	}
	s, err := mustDevice(thread, b.Name(), name)
	if err != nil {
		return nil, err
	}
	return s.Attr("address")
}

func inventoryPort(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var device, name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "device", &device, "name", &name); err != nil {
		return nil, err
	}
	s, err := mustDevice(thread, b.Name(), device)
	if err != nil {
		return nil, err
	}
	pv, err := s.Attr("ports")
	if err != nil {
		return nil, err
	}
	ports := pv.(*starlark.List)
	for i := 0; i < ports.Len(); i++ {
		p := ports.Index(i).(*starlarkstruct.Struct)
		if n, _ := p.Attr("name"); n == starlark.String(name) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%s: device %q has no port %q: %w", b.Name(), device, name, ErrUnknownPort)
}

func inventoryDevices(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var vendor starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "vendor?", &vendor); err != nil {
		return nil, err
	}
	v, err := keyString(b.Name(), "vendor", vendor)
	if err != nil {
		return nil, err
	}
	run, err := RunOf(thread)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	if run.Inventory == nil {
		return nil, fmt.Errorf("%s: no inventory in this run", b.Name())
	}
	ds, err := run.Inventory.Devices(run.ctx(), v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	sortDevices(ds)
	out := make([]starlark.Value, len(ds))
	for i, d := range ds {
		out[i] = DeviceStruct(d)
	}
	return starlark.NewList(out), nil
}

// portPatterns compiles, once, the "<vendor>Port" patterns of the embedded common.json: the one
// source of truth for port names, shared with the schemas that $ref them.
var portPatterns = sync.OnceValues(func() (map[string]*regexp.Regexp, error) {
	b, ok := schemas.ByURL(schemas.CommonURL)
	if !ok {
		return nil, fmt.Errorf("embedded %s is missing", schemas.CommonURL)
	}
	var doc struct {
		Defs map[string]struct {
			Pattern string `json:"pattern"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("embedded common.json: %w", err)
	}
	out := map[string]*regexp.Regexp{}
	for name, d := range doc.Defs {
		vendor, ok := strings.CutSuffix(name, "Port")
		if !ok || vendor == "" || d.Pattern == "" {
			continue
		}
		re, err := regexp.Compile(d.Pattern)
		if err != nil {
			return nil, fmt.Errorf("embedded common.json $defs/%s: %w", name, err)
		}
		out[vendor] = re
	}
	return out, nil
})

// ValidPort reports whether name is a port name of vendor ("junos", "sros"), by the patterns
// of schemas/common.json. It fails for a vendor common.json has no pattern for.
func ValidPort(vendor, name string) (bool, error) {
	pats, err := portPatterns()
	if err != nil {
		return false, err
	}
	re, ok := pats[vendor]
	if !ok {
		known := make([]string, 0, len(pats))
		for v := range pats {
			known = append(known, v)
		}
		sort.Strings(known)
		return false, fmt.Errorf("no port names known for vendor %q (known: %s)", vendor, strings.Join(known, ", "))
	}
	return re.MatchString(name), nil
}

func inventoryValidPort(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var vendor, name string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "vendor", &vendor, "name", &name); err != nil {
		return nil, err
	}
	ok, err := ValidPort(vendor, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	return starlark.Bool(ok), nil
}
