// Package model is the seam between device models and the code that checks configuration
// against them. A device model (the Junos configuration statements, the SAM-O class model)
// lives with its adapter and registers a Checker here under its vendor name ("junos",
// "sros"); the simulators, the adapters' dry-run checks and `xprov pack test` ask For(vendor)
// and report each Violation with the model path that refused the value.
package model

import (
	"fmt"
	"sort"
	"sync"

	"github.com/xprov/xprov/adapters/config"
)

// Violation is one piece of configuration a device model refuses.
type Violation struct {
	// Path is the configuration path (config.Path.String()) of the refused node.
	Path string `json:"path"`
	// Value is the refused value ("" for a statement or object that is refused as a whole).
	Value string `json:"value,omitempty"`
	// ModelPath names the model element that refused it (for example
	// "interfaces/interface/unit/vlan-id" or "vpls.Site.siteId").
	ModelPath string `json:"model_path,omitempty"`
	// Message says why, in the device's words where the device has them.
	Message string `json:"message"`
}

func (v Violation) String() string {
	s := v.Path
	if v.Value != "" {
		s += fmt.Sprintf(" = %q", v.Value)
	}
	s += ": " + v.Message
	if v.ModelPath != "" {
		s += " (model: " + v.ModelPath + ")"
	}
	return s
}

// Checker checks configuration against one vendor's device model.
type Checker interface {
	// Check returns what the model refuses in the given configuration, in path order. The
	// leaves are a complete desired state for the part of the device they cover (a service's
	// or a template's rendering), so mandatory statements can be checked.
	Check(leaves []config.Leaf) []Violation
}

var (
	mu       sync.RWMutex
	checkers = map[string]Checker{}
)

// Register makes c the checker for vendor; a later Register replaces it.
func Register(vendor string, c Checker) {
	mu.Lock()
	defer mu.Unlock()
	checkers[vendor] = c
}

// For returns the checker registered for vendor, or nil when there is none.
func For(vendor string) Checker {
	mu.RLock()
	defer mu.RUnlock()
	return checkers[vendor]
}

// Vendors lists the vendors with a registered checker, sorted.
func Vendors() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(checkers))
	for v := range checkers {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
