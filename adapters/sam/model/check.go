package model

import (
	"fmt"
	"sort"

	"github.com/xprov/xprov/adapters/config"
	seam "github.com/xprov/xprov/adapters/model"
)

// Vendor is the name the SAM model's checker is registered under in adapters/model: the
// vendor of the SR OS nodes a SAM manages.
const Vendor = "sros"

// Checker checks rendered SAM objects (config.FromObjects leaves) against a model.
type Checker struct{ Model *Model }

// Check implements adapters/model.Checker: the leaves are one rendering's complete set of
// SAM objects. It reports unknown classes, classes below the wrong parent, bad keys, unknown
// properties, values of the wrong type, out of range or not in the enum, missing required
// properties, broken rules and references to objects the rendering does not hold (a QoS
// policy a SAP names must be rendered too, unless every SAM has it; PIM's interface must be
// in the same site). References to external classes (customers) are left to the SAM.
func (c Checker) Check(leaves []config.Leaf) []seam.Violation {
	m := c.Model
	var out []seam.Violation
	for _, l := range leaves {
		for i, s := range l.Path {
			last := i == len(l.Path)-1
			if !s.IsEntry() && (!last || i == 0) {
				out = append(out, seam.Violation{Path: l.Path.String(), Value: l.Value,
					Message: fmt.Sprintf("%s: a SAM path is class[key] objects with properties directly below them", l.Path[:i+1])})
				break
			}
		}
	}
	objs := config.ToObjects(leaves)
	byPath := map[string]config.Object{}
	for _, o := range objs {
		p, _ := o.Path()
		byPath[p.String()] = o
	}
	bad := map[string]bool{} // objects already refused as a whole: their children are not checked
	for _, o := range objs {
		p, err := o.Path()
		if err != nil {
			continue
		}
		ps := p.String()
		if bad[o.Parent] {
			bad[ps] = true
			continue
		}
		for _, v := range m.CheckObject(o, byPath) {
			out = append(out, v)
			if v.Path == ps {
				bad[ps] = true
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// CheckObject checks one object of a rendering; others holds the rendering's objects by
// path, for references.
func (m *Model) CheckObject(o config.Object, others map[string]config.Object) []seam.Violation {
	p, _ := o.Path()
	ps := p.String()
	cl := m.Classes[o.Class]
	if cl == nil {
		msg := fmt.Sprintf("unknown class %s", o.Class)
		if m.Externals[o.Class] != nil || m.Managers[o.Class] != nil {
			msg = fmt.Sprintf("class %s is not configurable by packs", o.Class)
		}
		return []seam.Violation{{Path: ps, ModelPath: o.Class, Message: msg}}
	}
	if o.Parent == "" {
		if !m.TopLevel(cl) {
			return []seam.Violation{{Path: ps, ModelPath: o.Class, Message: fmt.Sprintf("class %s cannot be top-level: it is created below %s", o.Class, joinOr(cl.Parents))}}
		}
	} else {
		pp, err := config.ParsePath(o.Parent)
		if err != nil || len(pp) == 0 {
			return []seam.Violation{{Path: ps, ModelPath: o.Class, Message: "bad parent path " + o.Parent}}
		}
		if pc := pp.Last().Name; !cl.AllowedUnder(pc) {
			return []seam.Violation{{Path: ps, ModelPath: o.Class, Message: fmt.Sprintf("class %s cannot be created below %s (allowed: %s)", o.Class, pc, joinOr(cl.Parents))}}
		}
	}
	kp, err := cl.KeyProps(o.Key)
	if err != nil {
		return []seam.Violation{{Path: ps, Value: o.Key, ModelPath: o.Class + ".key", Message: err.Error()}}
	}
	var out []seam.Violation
	props := make(map[string]string, len(o.Props)+len(kp))
	for k, v := range o.Props {
		props[k] = v
	}
	for k, v := range kp {
		if r, ok := o.Props[k]; ok && r != v {
			out = append(out, seam.Violation{Path: ps + "/" + k, Value: r, ModelPath: o.Class + "." + k,
				Message: fmt.Sprintf("property %s=%q contradicts the key %q (%s=%q)", k, r, o.Key, k, v)})
		}
		props[k] = v
	}
	for _, e := range cl.CheckProps(props, true) {
		path := ps + "/" + e.Prop
		if _, rendered := o.Props[e.Prop]; !rendered {
			path = ps // a naming property from the key, or a missing one
		}
		out = append(out, seam.Violation{Path: path, Value: e.Value, ModelPath: o.Class + "." + e.Prop, Message: e.Err.Error()})
	}
	for _, pn := range cl.SortedProps() {
		pr := cl.Props[pn]
		v := props[pn]
		if pr.Ref == nil || v == "" || m.Classes[pr.Ref.Class] == nil {
			continue
		}
		at := ps + "/" + pn
		if _, rendered := o.Props[pn]; !rendered {
			at = ps
		}
		var want string
		switch pr.Ref.Scope {
		case Sibling:
			want = o.Parent + "/" + config.Seg{Name: pr.Ref.Class, Key: v, Keyed: true}.String()
			if _, ok := others[want]; !ok {
				out = append(out, seam.Violation{Path: at, Value: v, ModelPath: o.Class + "." + pn,
					Message: fmt.Sprintf("%s %s does not exist in %s (%s refers to it)", pr.Ref.Class, v, o.Parent, pn)})
			}
		case Global:
			if m.ExistsAlways(pr.Ref.Class, v) {
				continue
			}
			found := false
			for _, other := range others {
				if other.Class == pr.Ref.Class && other.Key == v {
					found = true
					break
				}
			}
			if !found {
				out = append(out, seam.Violation{Path: at, Value: v, ModelPath: o.Class + "." + pn,
					Message: fmt.Sprintf("%s %s does not exist: render it too (%s refers to it)", pr.Ref.Class, v, pn)})
			}
		}
	}
	return out
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}
