// Package config is the structured configuration model shared by the engine and the adapters.
//
// Desired configuration is a set of leaves. A leaf is a path of segments plus a string value.
// A segment is either a container ("protocols") or one entry of a keyed list
// ("interface[ge-0/0/1]"). Junos configuration maps onto this directly (it is what a `set` line
// spells); SAM objects map onto it as keyed segments (class[key]) whose properties are leaves.
// Keyed-list entries and presence containers are leaves too (with an empty value), so that a
// service owns the entries it creates and not only the values below them.
package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Seg is one step of a Path: a container when Key is empty, otherwise one entry of the keyed
// list Name whose key is Key.
type Seg struct {
	Name string `json:"name"`
	Key  string `json:"key,omitempty"`
	// Keyed marks a keyed-list entry even when its key is the empty string.
	Keyed bool `json:"keyed,omitempty"`
}

// IsEntry reports whether s is a keyed-list entry.
func (s Seg) IsEntry() bool { return s.Keyed || s.Key != "" }

// String renders the segment as name or name[key]; brackets and backslashes in keys are escaped.
func (s Seg) String() string {
	if !s.IsEntry() {
		return s.Name
	}
	if !strings.ContainsAny(s.Key, `\]`) {
		return s.Name + "[" + s.Key + "]"
	}
	return s.Name + "[" + keyEscaper.Replace(s.Key) + "]"
}

var keyEscaper = strings.NewReplacer(`\`, `\\`, `]`, `\]`)

// Path addresses one node of a configuration tree.
type Path []Seg

// String renders the path as segments joined by "/", e.g.
// "interfaces/interface[ge-0/0/1]/unit[100]/vlan-id". ParsePath is its inverse.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// Child returns a new path with s appended; p is not modified.
func (p Path) Child(s Seg) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

// HasPrefix reports whether q is p or an ancestor of p.
func (p Path) HasPrefix(q Path) bool {
	if len(q) > len(p) {
		return false
	}
	for i := range q {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// Parent returns the path without its last segment.
func (p Path) Parent() Path {
	if len(p) == 0 {
		return nil
	}
	return p[:len(p)-1]
}

// Last returns the last segment, or the zero Seg for an empty path.
func (p Path) Last() Seg {
	if len(p) == 0 {
		return Seg{}
	}
	return p[len(p)-1]
}

// ErrBadPath is returned by ParsePath for malformed path strings.
var ErrBadPath = errors.New("config: bad path")

// ParsePath parses the form produced by Path.String. Keys may contain "/" (port names do).
func ParsePath(s string) (Path, error) {
	var p Path
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && s[j] != '/' && s[j] != '[' {
			j++
		}
		seg := Seg{Name: s[i:j]}
		if seg.Name == "" {
			return nil, fmt.Errorf("%w %q: empty segment at offset %d", ErrBadPath, s, i)
		}
		if j < len(s) && s[j] == '[' {
			var key strings.Builder
			k := j + 1
			closed := false
			for k < len(s) {
				c := s[k]
				if c == '\\' && k+1 < len(s) {
					key.WriteByte(s[k+1])
					k += 2
					continue
				}
				if c == ']' {
					closed = true
					k++
					break
				}
				key.WriteByte(c)
				k++
			}
			if !closed {
				return nil, fmt.Errorf("%w %q: unclosed '['", ErrBadPath, s)
			}
			seg.Key, seg.Keyed = key.String(), true
			j = k
		}
		p = append(p, seg)
		if j < len(s) {
			if s[j] != '/' {
				return nil, fmt.Errorf("%w %q: expected '/' at offset %d", ErrBadPath, s, j)
			}
			j++
			if j == len(s) {
				return nil, fmt.Errorf("%w %q: trailing '/'", ErrBadPath, s)
			}
		}
		i = j
	}
	return p, nil
}

// Leaf is one node of desired or actual configuration: a value at a path. Containers and list
// entries that a service creates appear as leaves with an empty Value.
type Leaf struct {
	Path  Path   `json:"path"`
	Value string `json:"value,omitempty"`
}

// Op is the kind of one change.
type Op string

// The operations of a change set.
const (
	Create Op = "create"
	Update Op = "update"
	Delete Op = "delete"
)

// Change is one operation on one node. Delete removes the node and everything below it.
type Change struct {
	Op    Op     `json:"op"`
	Path  Path   `json:"path"`
	Value string `json:"value,omitempty"`
	// Old is the value before an update or delete (for undo and for display).
	Old string `json:"old,omitempty"`
}

// ChangeSet is the list of changes for one target (a device reached directly, or an NMS).
// Changes are ordered so that applying them in order is valid: parents are created before
// children and children deleted before parents.
type ChangeSet struct {
	Target  string   `json:"target"`
	Changes []Change `json:"changes"`
}

// Empty reports whether the change set changes nothing.
func (cs ChangeSet) Empty() bool { return len(cs.Changes) == 0 }

// Inverse returns the change set that undoes cs, assuming cs was fully applied and deleted
// only leaf nodes (see the Delete case).
func (cs ChangeSet) Inverse() ChangeSet {
	out := ChangeSet{Target: cs.Target, Changes: make([]Change, 0, len(cs.Changes))}
	for i := len(cs.Changes) - 1; i >= 0; i-- {
		c := cs.Changes[i]
		switch c.Op {
		case Create:
			out.Changes = append(out.Changes, Change{Op: Delete, Path: c.Path, Old: c.Value})
		case Update:
			out.Changes = append(out.Changes, Change{Op: Update, Path: c.Path, Value: c.Old, Old: c.Value})
		case Delete:
			// A delete carries only its node's old value, so the inverse recreates that node
			// and not the subtree below it. The engine does not undo with Inverse: it converges
			// each target back to the journaled state, subtrees included.
			out.Changes = append(out.Changes, Change{Op: Create, Path: c.Path, Value: c.Old})
		}
	}
	SortChanges(out.Changes)
	return out
}

// Compare orders paths segment by segment (name, then key), so parents sort before children.
func Compare(a, b Path) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i].Name, b[i].Name); c != 0 {
			return c
		}
		if a[i].IsEntry() != b[i].IsEntry() {
			if a[i].IsEntry() {
				return 1
			}
			return -1
		}
		if c := compareKeys(a[i].Key, b[i].Key); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// compareKeys orders numeric keys numerically (unit 9 before unit 10), others as strings.
func compareKeys(a, b string) int {
	if isDigits(a) && isDigits(b) {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
	}
	return strings.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SortLeaves sorts leaves by path (parents first).
func SortLeaves(ls []Leaf) {
	sort.SliceStable(ls, func(i, j int) bool { return Compare(ls[i].Path, ls[j].Path) < 0 })
}

// SortChanges puts deletes first, deepest first, then creates and updates parents first. This is
// an order in which every backend can apply the set.
func SortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		di, dj := cs[i].Op == Delete, cs[j].Op == Delete
		if di != dj {
			return di
		}
		if di {
			return Compare(cs[i].Path, cs[j].Path) > 0
		}
		return Compare(cs[i].Path, cs[j].Path) < 0
	})
}
