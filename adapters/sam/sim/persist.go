package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// stateVersion is the format of the state file.
const stateVersion = 1

type stateFile struct {
	Version int           `json:"version"`
	Objects []stateObject `json:"objects"`
}

type stateObject struct {
	// Parent is the FDN of the object's parent: a manager (svc-mgr, qos-mgr) for the
	// top-level objects; empty below them (the parent is the enclosing object).
	Parent   string            `json:"parent,omitempty"`
	Class    string            `json:"class"`
	Props    map[string]string `json:"props"`
	Children []stateObject     `json:"children,omitempty"`
}

func snapshotOf(o *object) stateObject {
	so := stateObject{Class: o.class, Props: o.props}
	kids := sortedChildren(o)
	// Referenced siblings first (an interface before the PIM interface naming it).
	sort.SliceStable(kids, func(i, j int) bool { return order(kids[i]) < order(kids[j]) })
	for _, c := range kids {
		if classes[c.class] != nil {
			so.Children = append(so.Children, snapshotOf(c))
		}
	}
	return so
}

// save writes the configured objects to Options.StateFile: a temporary file renamed over
// the old one, so a crash leaves the old state or the new, never half of one.
func (s *Server) save() error {
	// One save at a time, snapshot included, so an older snapshot never overwrites a newer.
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.RLock()
	st := stateFile{Version: stateVersion}
	var mgrs []string
	for _, mg := range sam.Managers {
		mgrs = append(mgrs, mg.FDN)
	}
	sort.Strings(mgrs)
	for _, fdn := range mgrs {
		for _, o := range sortedChildren(s.st.objs[fdn]) {
			if classes[o.class] != nil && !o.builtin {
				so := snapshotOf(o)
				so.Parent = fdn
				st.Objects = append(st.Objects, so)
			}
		}
	}
	b, err := json.MarshalIndent(st, "", " ")
	s.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("sam sim: state: %w", err)
	}
	path := s.opts.StateFile
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("sam sim: state file %s: %w", path, err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("sam sim: state file %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("sam sim: state file %s: %w", path, err)
	}
	return nil
}

func (so stateObject) object() Object {
	o := Object{Class: so.Class, Props: so.Props}
	for _, c := range so.Children {
		o.Children = append(o.Children, c.object())
	}
	return o
}

// Restore loads Options.StateFile, if it exists, into a simulator that holds no
// configuration yet, with the checks of a create: a file that names an unknown class, a
// missing port or customer (the options changed) is an error naming the object, and nothing
// of it is loaded.
func (s *Server) Restore() error {
	path := s.opts.StateFile
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sam sim: state file: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("sam sim: state file %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("sam sim: state file %s: version %d, this simulator reads %d", path, st.Version, stateVersion)
	}
	var made []string
	for i, so := range st.Objects {
		fdn, err := s.Create(so.Parent, so.object())
		if err != nil {
			s.mu.Lock()
			for j := len(made) - 1; j >= 0; j-- {
				if o := s.st.objs[made[j]]; o != nil {
					s.st.remove(o)
				}
			}
			s.mu.Unlock()
			return fmt.Errorf("sam sim: state file %s: object %d (%s below %s): %w", path, i, so.Class, so.Parent, err)
		}
		made = append(made, fdn)
	}
	return nil
}

func order(o *object) int {
	if c := classes[o.class]; c != nil {
		return c.Order
	}
	return 0
}
