package sam

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/sam/model"
	"github.com/xprov/xprov/adapters/sam/samo"
)

type opKind int

const (
	opDelete opKind = iota
	opCreate
	opModify
)

func (k opKind) String() string {
	return [...]string{"delete", "create", "modify"}[k]
}

// planOp is one SAM operation on one object.
type planOp struct {
	kind  opKind
	ref   objectRef
	props map[string]string // create: every property; modify: changed ones ("" resets)
	// parentCreated is set when the parent is created by an earlier op of the same plan, so
	// the object cannot exist yet.
	parentCreated bool
}

// display names an object as the Render lines and the errors do: its own segment, and its
// parent path.
func (o planOp) display() string { return o.ref.path.String() }

// plan turns a change set into SAM operations: deletes first, deepest first (a delete below an
// object that is deleted too is dropped: SAM deletes children with their parent), then
// creates and modifies, parents first. Properties of one object become one request.
func plan(cs config.ChangeSet) ([]planOp, error) {
	type acc struct {
		path    config.Path
		create  bool
		del     bool
		props   map[string]string
		resets  map[string]bool
		touched bool
	}
	objs := map[string]*acc{}
	get := func(p config.Path) *acc {
		k := p.String()
		a := objs[k]
		if a == nil {
			a = &acc{path: p, props: map[string]string{}, resets: map[string]bool{}}
			objs[k] = a
		}
		return a
	}
	for _, c := range cs.Changes {
		obj, prop, err := splitLeaf(c.Path)
		if err != nil {
			return nil, err
		}
		a := get(obj)
		switch {
		case prop == "" && c.Op == config.Create:
			a.create = true
		case prop == "" && c.Op == config.Delete:
			a.del = true
		case prop == "":
			// An update of an object leaf carries no value in the SAM model.
		case c.Op == config.Delete:
			a.resets[prop] = true
			a.touched = true
		default:
			a.props[prop] = c.Value
			delete(a.resets, prop)
			a.touched = true
		}
	}
	keys := make([]string, 0, len(objs))
	for k := range objs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return config.Compare(objs[keys[i]].path, objs[keys[j]].path) < 0 })

	deleted := func(p config.Path) bool { // p or an ancestor deleted in this plan
		for i := len(p); i > 0; i-- {
			if a := objs[p[:i].String()]; a != nil && a.del {
				return true
			}
		}
		return false
	}
	var dels, rest []planOp
	created := map[string]bool{}
	for _, k := range keys {
		a := objs[k]
		ref, err := resolve(a.path)
		if err != nil {
			return nil, err
		}
		if a.del && !deleted(a.path.Parent()) {
			dels = append(dels, planOp{kind: opDelete, ref: ref})
		}
		if a.create {
			props, err := createProps(ref, a.props)
			if err != nil {
				return nil, err
			}
			rest = append(rest, planOp{kind: opCreate, ref: ref, props: props, parentCreated: created[a.path.Parent().String()]})
			created[k] = true
			continue
		}
		if a.touched && !deleted(a.path) {
			props := map[string]string{}
			for p, v := range a.props {
				props[p] = v
			}
			for p := range a.resets {
				props[p] = ""
			}
			rest = append(rest, planOp{kind: opModify, ref: ref, props: props})
		}
	}
	sort.SliceStable(dels, func(i, j int) bool { return compareOps(dels[i].ref.path, dels[j].ref.path) > 0 })
	sort.SliceStable(rest, func(i, j int) bool { return compareOps(rest[i].ref.path, rest[j].ref.path) < 0 })
	for _, o := range rest {
		if err := checkOp(o); err != nil {
			return nil, err
		}
	}
	// Objects others refer to (QoS policies, negative order) are deleted last, after the
	// SAPs that named them moved to their new policies.
	var early, late []planOp
	for _, o := range dels {
		if rank(o.ref.path[0].Name) < 0 {
			late = append(late, o)
		} else {
			early = append(early, o)
		}
	}
	return append(append(early, rest...), late...), nil
}

// rank orders siblings whose creation depends on others (the model's order): a PIM
// interface names an L3 interface of its site, so it comes after every other child (and is
// deleted before them); a QoS policy comes before the services whose SAPs name it.
func rank(class string) int {
	if c := classes.Class(class); c != nil {
		return c.Order
	}
	return 0
}

// compareOps orders paths parents first, and siblings by rank, then as config.Compare does.
func compareOps(a, b config.Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		if ra, rb := rank(a[i].Name), rank(b[i].Name); ra != rb {
			return ra - rb
		}
		break
	}
	return config.Compare(a, b)
}

// checkOp checks an op against the model before anything is sent: on create every
// property (with the naming ones) and the rules, on modify the values given. The error names
// the object, the property, the value and the model path.
func checkOp(o planOp) error {
	cl := classes.Class(o.ref.class)
	if cl == nil || o.kind == opDelete {
		return nil
	}
	errs := cl.CheckProps(o.props, o.kind == opCreate)
	if o.kind == opModify {
		for _, k := range sortedKeys(o.props) {
			if p := cl.Props[k]; p != nil && p.Fixed {
				errs = append(errs, model.PropError{Prop: k, Value: o.props[k], Err: fmt.Errorf("attribute %s of class %s cannot be modified after creation", k, cl.Name)})
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	e := errs[0]
	pe := &pathError{path: o.ref.path.String(), msg: fmt.Sprintf("%v (model: %s.%s)", e.Err, cl.Name, e.Prop)}
	if _, given := o.props[e.Prop]; given && e.Value != "" {
		pe.path += "/" + e.Prop
	}
	return pe
}

// pathError is a refusal of the model, naming the configuration path it refers to.
type pathError struct{ path, msg string }

func (e *pathError) Error() string { return e.path + ": " + e.msg }

// errorAt splits an error of plan into the path it names and its message.
func errorAt(err error) (path, msg string) {
	var pe *pathError
	if errors.As(err, &pe) {
		return pe.path, pe.msg
	}
	return "", err.Error()
}

// createProps merges the naming properties the key stands for into the rendered ones and
// refuses a key that contradicts them.
func createProps(ref objectRef, rendered map[string]string) (map[string]string, error) {
	kp, err := classes.Class(ref.class).KeyProps(ref.key)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", ref.path, err)
	}
	out := make(map[string]string, len(rendered)+len(kp))
	for k, v := range rendered {
		out[k] = v
	}
	for k, v := range kp {
		if r, ok := rendered[k]; ok && r != v {
			return nil, fmt.Errorf("%s: property %s=%q contradicts the key %q (%s=%q)", ref.path, k, r, ref.key, k, v)
		}
		out[k] = v
	}
	return out, nil
}

// objSpec is an object to send: class, action and properties, with children (undo of a delete
// recreates a subtree in one request).
type objSpec struct {
	class    string
	action   string
	props    map[string]string
	children []*objSpec
}

// encode writes <CLASS><actionMask><bit>ACTION</bit></actionMask><prop>v</prop>...
// <children-Set>...</children-Set></CLASS> with encoding/xml, so values are escaped and names
// checked.
func (s *objSpec) encode(e *xml.Encoder) error {
	if !xmlName.MatchString(s.class) {
		return fmt.Errorf("invalid class name %q", s.class)
	}
	start := xml.StartElement{Name: xml.Name{Local: s.class}}
	tokens := []xml.Token{start}
	if s.action != "" {
		tokens = append(tokens,
			xml.StartElement{Name: xml.Name{Local: "actionMask"}}, xml.StartElement{Name: xml.Name{Local: "bit"}},
			xml.CharData(s.action), xml.EndElement{Name: xml.Name{Local: "bit"}}, xml.EndElement{Name: xml.Name{Local: "actionMask"}})
	}
	for _, k := range sortedKeys(s.props) {
		if !xmlName.MatchString(k) {
			return fmt.Errorf("invalid attribute name %q", k)
		}
		n := xml.Name{Local: k}
		tokens = append(tokens, xml.StartElement{Name: n}, xml.CharData(s.props[k]), xml.EndElement{Name: n})
	}
	for _, tk := range tokens {
		if err := e.EncodeToken(tk); err != nil {
			return err
		}
	}
	if len(s.children) > 0 {
		cs := xml.Name{Local: "children-Set"}
		if err := e.EncodeToken(xml.StartElement{Name: cs}); err != nil {
			return err
		}
		for _, c := range s.children {
			if err := c.encode(e); err != nil {
				return err
			}
		}
		if err := e.EncodeToken(xml.EndElement{Name: cs}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

func (s *objSpec) xml() (string, error) {
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if err := s.encode(e); err != nil {
		return "", err
	}
	if err := e.Flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func propsText(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// request builds the SAM-O request of one op.
func (o planOp) request() (any, error) {
	switch o.kind {
	case opDelete:
		return &samo.Generic_GenericObject_deleteInstance{Deployer: "immediate", SynchronousDeploy: "true", InstanceName: o.ref.fdn}, nil
	case opCreate:
		x, err := (&objSpec{class: o.ref.class, action: "create", props: o.props}).xml()
		if err != nil {
			return nil, err
		}
		r := &samo.Generic_GenericObject_configureChildInstance{Deployer: "immediate", SynchronousDeploy: "true", DistinguishedName: o.ref.parentFDN}
		r.ChildConfigInfo.InnerXML = x
		return r, nil
	}
	x, err := (&objSpec{class: o.ref.class, action: "modify", props: o.props}).xml()
	if err != nil {
		return nil, err
	}
	r := &samo.Generic_GenericObject_configureInstance{Deployer: "immediate", SynchronousDeploy: "true", DistinguishedName: o.ref.fdn}
	r.ConfigInfo.InnerXML = x
	return r, nil
}

// line is the sam-ops rendering of one op.
func (o planOp) line() string {
	seg := o.ref.path.Last().String()
	under := ""
	if len(o.ref.path) > 1 {
		under = " under " + o.ref.path.Parent().String()
	}
	switch o.kind {
	case opDelete:
		return "delete " + seg + under
	case opCreate:
		return "create " + seg + under + " " + propsText(o.props)
	}
	return "modify " + seg + under + " " + propsText(o.props)
}

// Render renders a change set as SAM operations, one line per request (format "sam-ops"), and
// the SOAP bodies in Extra["samo-xml"].
func (t *Target) Render(cs config.ChangeSet) (adapters.Rendering, error) {
	ops, err := plan(cs)
	if err != nil {
		path, msg := errorAt(err)
		return adapters.Rendering{}, &adapters.Error{Target: t.opts.Name, Op: "render", Path: path, Msg: msg, Err: adapters.ErrRejected}
	}
	var text, xb strings.Builder
	for _, o := range ops {
		text.WriteString(o.line())
		text.WriteByte('\n')
		req, err := o.request()
		if err != nil {
			return adapters.Rendering{}, &adapters.Error{Target: t.opts.Name, Op: "render", Path: o.display(), Msg: err.Error(), Err: adapters.ErrRejected}
		}
		b, err := xml.MarshalIndent(req, "", "  ")
		if err != nil {
			return adapters.Rendering{}, fmt.Errorf("sam: render %s on %s: %w", o.display(), t.opts.Name, err)
		}
		xb.Write(b)
		xb.WriteByte('\n')
	}
	return adapters.Rendering{Format: "sam-ops", Text: text.String(), Extra: map[string]string{"samo-xml": xb.String()}}, nil
}
