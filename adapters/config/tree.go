package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// KeyField is the member of a list entry that holds its key, as in Junos' JSON form
// ({"interface": [{"name": "ge-0/0/1", ...}]}).
const KeyField = "name"

// FromTree flattens a configuration hierarchy in Junos' JSON shape into leaves:
// objects are containers, lists of objects are keyed lists (key in "name"), lists of scalars
// are leaf-lists, scalars are values and true (or an empty object) is a presence node.
// Containers with members produce no leaf of their own: they exist because of their members
// (as on a device, which creates and removes them with their contents). List entries always
// produce a leaf, so a service owns the entries it creates.
// Supported values are those produced by encoding/json or the engine's Starlark conversion:
// map[string]any, []any, string, bool, int64, float64, json.Number and nil.
func FromTree(v any) ([]Leaf, error) {
	var out []Leaf
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("config: top level must be an object, got %s", typeName(v))
	}
	if err := flattenObject(nil, m, &out); err != nil {
		return nil, err
	}
	SortLeaves(out)
	return out, nil
}

func flattenObject(p Path, m map[string]any, out *[]Leaf) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "" {
			return fmt.Errorf("config: %s: empty member name", pathOrRoot(p))
		}
		if err := flattenValue(p, k, m[k], out); err != nil {
			return err
		}
	}
	return nil
}

func flattenValue(p Path, name string, v any, out *[]Leaf) error {
	switch t := v.(type) {
	case nil:
		return nil // absent
	case map[string]any:
		q := p.Child(Seg{Name: name})
		// A container with members is implied by them and owned by nobody (a top-level
		// "interfaces" would otherwise be owned by every service); an empty object is an
		// explicit presence node.
		if len(t) == 0 {
			*out = append(*out, Leaf{Path: q})
		}
		return flattenObject(q, t, out)
	case []any:
		for i, e := range t {
			switch et := e.(type) {
			case map[string]any:
				kv, ok := et[KeyField]
				if !ok {
					return fmt.Errorf("config: %s/%s[%d]: list entry has no %q", pathOrRoot(p), name, i, KeyField)
				}
				key, err := scalar(kv)
				if err != nil {
					return fmt.Errorf("config: %s/%s[%d].%s: %w", pathOrRoot(p), name, i, KeyField, err)
				}
				q := p.Child(Seg{Name: name, Key: key, Keyed: true})
				*out = append(*out, Leaf{Path: q})
				rest := make(map[string]any, len(et))
				for k, v := range et {
					if k != KeyField {
						rest[k] = v
					}
				}
				if err := flattenObject(q, rest, out); err != nil {
					return err
				}
			default:
				key, err := scalar(e)
				if err != nil {
					return fmt.Errorf("config: %s/%s[%d]: %w", pathOrRoot(p), name, i, err)
				}
				*out = append(*out, Leaf{Path: p.Child(Seg{Name: name, Key: key, Keyed: true})})
			}
		}
		return nil
	case bool:
		if t {
			*out = append(*out, Leaf{Path: p.Child(Seg{Name: name})})
		}
		return nil
	default:
		s, err := scalar(v)
		if err != nil {
			return fmt.Errorf("config: %s/%s: %w", pathOrRoot(p), name, err)
		}
		*out = append(*out, Leaf{Path: p.Child(Seg{Name: name}), Value: s})
		return nil
	}
}

func scalar(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		if t == float64(int64(t)) {
			return strconv.FormatInt(int64(t), 10), nil
		}
		return strconv.FormatFloat(t, 'g', -1, 64), nil
	case json.Number:
		return t.String(), nil
	case bool:
		return strconv.FormatBool(t), nil
	}
	return "", fmt.Errorf("value of type %s is not a scalar", typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

func pathOrRoot(p Path) string {
	if len(p) == 0 {
		return "/"
	}
	return p.String()
}

// Object is one managed object of an NMS (a SAM object): class, key and properties below a
// parent object. Parent is the Path.String of the parent object, "" for a top-level object.
type Object struct {
	Class  string            `json:"class"`
	Key    string            `json:"key"`
	Parent string            `json:"parent,omitempty"`
	Props  map[string]string `json:"props,omitempty"`
}

// Path returns the object's own path: its parent's path plus class[key].
func (o Object) Path() (Path, error) {
	var p Path
	if o.Parent != "" {
		var err error
		if p, err = ParsePath(o.Parent); err != nil {
			return nil, fmt.Errorf("config: object %s[%s]: parent: %w", o.Class, o.Key, err)
		}
	}
	if o.Class == "" {
		return nil, fmt.Errorf("config: object with key %q has no class", o.Key)
	}
	return p.Child(Seg{Name: o.Class, Key: o.Key, Keyed: true}), nil
}

// FromObjects flattens objects into leaves: one leaf per object and one per property.
func FromObjects(objs []Object) ([]Leaf, error) {
	var out []Leaf
	for _, o := range objs {
		p, err := o.Path()
		if err != nil {
			return nil, err
		}
		out = append(out, Leaf{Path: p})
		names := make([]string, 0, len(o.Props))
		for k := range o.Props {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			out = append(out, Leaf{Path: p.Child(Seg{Name: k}), Value: o.Props[k]})
		}
	}
	SortLeaves(out)
	return out, nil
}

// ToObjects groups leaves produced by FromObjects back into objects: every keyed segment is an
// object, every non-keyed leaf directly below it a property. Objects come parents first.
func ToObjects(leaves []Leaf) []Object {
	idx := map[string]int{}
	var objs []Object
	ensure := func(p Path) int {
		k := p.String()
		if i, ok := idx[k]; ok {
			return i
		}
		last := p.Last()
		objs = append(objs, Object{Class: last.Name, Key: last.Key, Parent: p.Parent().String(), Props: map[string]string{}})
		idx[k] = len(objs) - 1
		return len(objs) - 1
	}
	sorted := append([]Leaf(nil), leaves...)
	SortLeaves(sorted)
	for _, l := range sorted {
		if l.Path.Last().IsEntry() {
			ensure(l.Path)
			continue
		}
		if len(l.Path) < 2 {
			continue
		}
		i := ensure(l.Path.Parent())
		objs[i].Props[l.Path.Last().Name] = l.Value
	}
	return objs
}

// ToTree rebuilds the Junos JSON shape from leaves; it is the inverse of FromTree for trees
// whose keyed lists use "name" as key. Values are strings; presence nodes become true unless
// they have children.
func ToTree(leaves []Leaf) map[string]any {
	root := map[string]any{}
	sorted := append([]Leaf(nil), leaves...)
	SortLeaves(sorted)
	for _, l := range sorted {
		cur := root
		for i, s := range l.Path {
			last := i == len(l.Path)-1
			if s.IsEntry() {
				list, _ := cur[s.Name].([]any)
				var entry map[string]any
				for _, e := range list {
					if m, ok := e.(map[string]any); ok && m[KeyField] == s.Key {
						entry = m
						break
					}
				}
				if entry == nil {
					entry = map[string]any{KeyField: s.Key}
					cur[s.Name] = append(list, entry)
				}
				cur = entry
				continue
			}
			if last {
				if l.Value != "" {
					cur[s.Name] = l.Value
				} else if _, ok := cur[s.Name]; !ok {
					cur[s.Name] = true
				}
				continue
			}
			next, ok := cur[s.Name].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[s.Name] = next
			}
			cur = next
		}
	}
	return root
}
