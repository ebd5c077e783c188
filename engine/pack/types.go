package pack

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/model"
	"github.com/xprov/xprov/builtins"
)

// PoolSpec declares one pool a pack uses (pack.json "pools"). Pools are global by name: two
// packs that declare the same pool must declare the same spec.
type PoolSpec struct {
	// Type is "int" (value is the integer), "format" (Format with {} replaced by the integer,
	// e.g. "65000:{}" for route distinguishers) or "prefix" (the Nth subnet of Length bits in
	// Prefix, e.g. 10.0.0.0/16 length 30).
	Type   string `json:"type"`
	Start  int64  `json:"start,omitempty"`
	End    int64  `json:"end,omitempty"`
	Format string `json:"format,omitempty"`
	Prefix string `json:"prefix,omitempty"`
	Length int    `json:"length,omitempty"`
	// Scope documents what a scope means for this pool ("global", "device", "port").
	Scope       string `json:"scope,omitempty"`
	Description string `json:"description,omitempty"`
}

// Problem is one reason a pack is broken, with its position.
type Problem struct {
	File string `json:"file"` // path relative to the pack directory
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// LoadError lists every problem found in one pack directory.
type LoadError struct {
	Dir      string
	Problems []Problem
}

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pack %s: %d problem(s)", e.Dir, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// FieldError is one failing field of an intent, addressed by JSON pointer.
type FieldError struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// ValidationError lists every failing field of an intent (schema violations, or a script's
// fail(..., field=...)).
type ValidationError struct {
	Fields []FieldError
}

// maxErrorFields bounds the fields ValidationError.Error spells out (it reaches logs, run
// errors and journals; the REST layer lists its own first N).
const maxErrorFields = 20

func (e *ValidationError) Error() string {
	fs := e.Fields
	if len(fs) > maxErrorFields {
		fs = fs[:maxErrorFields]
	}
	parts := make([]string, len(fs), len(fs)+1)
	for i, f := range fs {
		parts[i] = f.Pointer + ": " + f.Message
	}
	if n := len(e.Fields) - len(fs); n > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", n))
	}
	return "invalid intent: " + strings.Join(parts, "; ")
}

// ScriptError is a failure inside a pack script: a runtime error, a step limit, a cancelled
// context, or fail() without a field. It keeps the Starlark position and backtrace.
type ScriptError struct {
	File      string `json:"file"`
	Line      int    `json:"line,omitempty"`
	Col       int    `json:"col,omitempty"`
	Msg       string `json:"message"`
	Backtrace string `json:"backtrace,omitempty"`
	// Err is the underlying cause (e.g. builtins.ErrPoolExhausted, context.Canceled).
	Err error `json:"-"`
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *ScriptError) Unwrap() error { return e.Err }

// ModelError is a device's rendered configuration that its vendor's device model
// (adapters/model) refuses. Render returns it as the cause (Err) of a *ScriptError positioned
// at the first refused value's origin in the pack.
type ModelError struct {
	Device     string           `json:"device"`
	Vendor     string           `json:"vendor"`
	Violations []ModelViolation `json:"violations"`
}

// ModelViolation is one refusal and where the pack produced the refused value.
type ModelViolation struct {
	model.Violation
	Origin Origin `json:"origin"`
}

// Line renders the violation as one line: "<file:line:col>: <device>: <path> = "<value>":
// <message> (model: <model path>)", followed by "[called from <file:line function> > ...]"
// when the value was produced in a function another one called.
func (v ModelViolation) Line(device string) string {
	where := v.Origin.String()
	if where == "" {
		where = "(origin unknown)"
	}
	line := fmt.Sprintf("%s: %s: %s", where, device, v.Violation.String())
	if frames := strings.Split(v.Origin.Stack, " > "); len(frames) > 1 {
		// The calls that led to the position, outermost first (a helper in a loaded file).
		line += " [called from " + strings.Join(frames[:len(frames)-1], " > ") + "]"
	}
	return line
}

func (e *ModelError) Error() string {
	lines := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		lines[i] = v.Line(e.Device)
	}
	return fmt.Sprintf("the %s device model refuses the configuration rendered for %s:\n%s", e.Vendor, e.Device, strings.Join(lines, "\n"))
}

func (e *ModelError) scriptError() *ScriptError {
	first := e.Violations[0]
	se := &ScriptError{File: e.Vendor + ".star", Err: e}
	se.Msg = fmt.Sprintf("%s: the %s device model refuses %s", e.Device, e.Vendor, first.Violation.String())
	if n := len(e.Violations) - 1; n > 0 {
		se.Msg += fmt.Sprintf(" (and %d more)", n)
	}
	if o := first.Origin; o.File != "" {
		se.File, se.Line, se.Col = o.File, o.Line, o.Col
		// The calls that produced the value, as Starlark prints a traceback.
		var b strings.Builder
		b.WriteString("Traceback (most recent call last):\n")
		for _, f := range strings.Split(o.Stack, " > ") {
			if pos, fn, ok := strings.Cut(f, " "); ok {
				fmt.Fprintf(&b, "  %s: in %s\n", pos, fn)
			}
		}
		fmt.Fprintf(&b, "Error: %s", se.Msg)
		se.Backtrace = b.String()
	}
	return se
}

// RenderInput is what the engine gives a pack to render one service.
type RenderInput struct {
	ServiceID string
	// Intent is the validated intent, decoded with json.Decoder.UseNumber (integers stay exact).
	Intent    any
	Pools     builtins.Pools
	Inventory builtins.Inventory
	// Log receives the script's log.* lines; may be nil.
	Log func(level, msg string)
}

// Endpoint is one endpoint service.star returned: the device it sits on and its vendor.
type Endpoint struct {
	Index  int            `json:"index"`
	Device string         `json:"device"`
	Vendor string         `json:"vendor"`
	Data   map[string]any `json:"data,omitempty"`
}

// Rendered is the desired configuration of one service, per device.
type Rendered struct {
	Endpoints []Endpoint `json:"endpoints"`
	// Config holds the desired leaves per device name, sorted, merged across the endpoints of
	// one device.
	Config map[string][]config.Leaf `json:"config"`
	// Derived is service.star's result without endpoints (shared derived values), for display.
	Derived map[string]any `json:"derived,omitempty"`
	// Logs are the script's log.* and print lines of this render, in order (also sent to
	// RenderInput.Log as they happen), for the engine to keep with the run.
	Logs []LogLine `json:"logs,omitempty"`
}

// LogLine is one script log line.
type LogLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

// Meta is the content of pack.json.
type Meta struct {
	Name        string              `json:"name"`
	Version     string              `json:"version"`
	Title       string              `json:"title"`
	Description string              `json:"description,omitempty"`
	Vendors     []string            `json:"vendors"`
	Pools       map[string]PoolSpec `json:"pools,omitempty"`
	Workflows   []string            `json:"workflows,omitempty"`
	Ops         []OpSpec            `json:"ops,omitempty"`
	// CustomerField and EndpointsField name the intent members the engine indexes
	// (JSON pointers, default "/customer" and "/endpoints").
	CustomerField  string `json:"customer_field,omitempty"`
	EndpointsField string `json:"endpoints_field,omitempty"`
}

// OpSpec declares one troubleshooting op of the pack (ops.star function).
type OpSpec struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// Ensure json is used by the API (RawMessage fields live on Pack).
var _ json.RawMessage
