// Package packtest runs a pack's golden tests: the tests/*.txtar files of a pack directory.
//
// A test case is a txtar archive. Its comment says what the case shows; its sections are:
//
//	-- intent.json --        the intent of a create (required)
//	-- modify.json --        optional: modify the service to this intent; the expected output
//	                         is then the change from intent.json to modify.json
//	-- delete --             optional, empty: delete the service; the expected output is what
//	                         the delete removes
//	-- inventory.json --     optional: {"devices": [...]}; default the lab fixture
//	                         (builtins/memory.LabJSON)
//	-- allocations.json --   optional: values already held, [{"service", "pool", "scope",
//	                         "key", "value"}]; the service under test is "svc-test"
//	-- want/<device>.txt --  the expected change set of one device, one change per line
//	-- want/error.txt --     or: the expected error, one line per field or script error
//	-- want/ops.txt --       optional: the commands the pack's ops (ops.star) send for the
//	                         created service, "<op> <endpoint> <device> (<vendor>): <command>"
//	                         per op and endpoint; checked only in cases that have the section
//
// A change line is "create <path>[ = <value>]", "update <path> = <new> (was <old>)" or
// "delete <path>", in the order the engine applies them (diff.Compute). Values that would be
// ambiguous (empty, surrounding spaces, quotes, newlines) are written as Go-quoted strings.
// Error lines are "<json pointer>: <message>" for field errors ("(root)" for the whole intent),
// "<file>:<line>:<col>: <message>" for script errors and, for configuration a device model
// (adapters/model) refuses, "<file>:<line>:<col>: <device>: <path> = "<value>": <reason>
// (model: <model path>)", one per refused value, at the position in the pack that produced it;
// errors of the modify step start with "modify: ". With Update, the want sections are rewritten from what the pack produces.
package packtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	// The device models pack tests check renderings against (adapters/model): the Junos
	// model, and the SAM adapter, which registers the SR OS model when it has one; a vendor
	// without a registered model is not checked.
	_ "github.com/xprov/xprov/adapters/junos/model"
	_ "github.com/xprov/xprov/adapters/sam"
	"github.com/xprov/xprov/builtins/memory"
	"github.com/xprov/xprov/engine/diff"
	"github.com/xprov/xprov/engine/pack"
	"golang.org/x/tools/txtar"
)

// ServiceID is the id of the service under test (for allocations.json).
const ServiceID = "svc-test"

// Options tune a test run.
type Options struct {
	// Update rewrites the want sections from the actual output instead of comparing.
	Update bool
	// Run, when set, selects cases whose name (file name without .txtar) matches.
	Run *regexp.Regexp
	// Pack are the options the pack is loaded with (step limit).
	Pack pack.Options
}

// Result is the outcome of one case.
type Result struct {
	Name string // file name without .txtar
	File string
	// Passed is true when the output matched (or was rewritten under Update).
	Passed  bool
	Updated bool
	// Diff shows, per want section, the lines missing (-) and unexpected (+).
	Diff string
	// Err is a problem with the case itself (bad txtar, bad JSON in a section).
	Err error
	// Log holds the scripts' log lines ("info: ...").
	Log []string
}

// RunDir loads the pack in dir and runs its tests/*.txtar. A pack that does not load returns
// its *pack.LoadError.
func RunDir(ctx context.Context, dir string, opts Options) ([]Result, error) {
	p, err := pack.LoadDir(dir, opts.Pack)
	if err != nil {
		return nil, err
	}
	return RunPack(ctx, p, filepath.Join(dir, "tests"), opts)
}

// RunPack runs the *.txtar cases in testsDir against p, in file name order.
func RunPack(ctx context.Context, p *pack.Pack, testsDir string, opts Options) ([]Result, error) {
	files, err := filepath.Glob(filepath.Join(testsDir, "*.txtar"))
	if err != nil {
		return nil, fmt.Errorf("packtest: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("packtest: no test cases in %s (add tests/*.txtar)", testsDir)
	}
	sort.Strings(files)
	var out []Result
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txtar")
		if opts.Run != nil && !opts.Run.MatchString(name) {
			continue
		}
		out = append(out, RunCase(ctx, p, f, opts))
	}
	return out, nil
}

// Test runs the pack in dir as Go subtests, one per case; bundled packs call it from a
// _test.go file: packtest.Test(t, ".", packtest.Options{Update: *update}).
func Test(t *testing.T, dir string, opts Options) {
	t.Helper()
	res, err := RunDir(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		t.Run(r.Name, func(t *testing.T) {
			for _, l := range r.Log {
				t.Log(l)
			}
			if r.Err != nil {
				t.Fatalf("%s: %v", r.File, r.Err)
			}
			if !r.Passed {
				t.Errorf("%s: output differs:\n%s", r.File, r.Diff)
			}
		})
	}
}

// RunCase runs one txtar case.
func RunCase(ctx context.Context, p *pack.Pack, file string, opts Options) Result {
	r := Result{Name: strings.TrimSuffix(filepath.Base(file), ".txtar"), File: file}
	a, err := txtar.ParseFile(file)
	if err != nil {
		r.Err = fmt.Errorf("packtest: %w", err)
		return r
	}
	c, err := parseCase(a)
	if err != nil {
		r.Err = fmt.Errorf("%s: %w", file, err)
		return r
	}
	got, err := run(ctx, p, c, &r)
	if err != nil {
		r.Err = fmt.Errorf("%s: %w", file, err)
		return r
	}
	if opts.Update {
		rewrite(a, got)
		if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
			r.Err = fmt.Errorf("packtest: update: %w", err)
			return r
		}
		r.Passed, r.Updated = true, true
		return r
	}
	r.Diff = compare(c.want, got)
	r.Passed = r.Diff == ""
	return r
}

type testCase struct {
	intent, modify []byte
	delete         bool
	inventory      []byte
	allocations    []byte
	want           map[string]string // want/<name> -> content
}

func parseCase(a *txtar.Archive) (*testCase, error) {
	c := &testCase{want: map[string]string{}}
	for _, f := range a.Files {
		switch {
		case f.Name == "intent.json":
			c.intent = f.Data
		case f.Name == "modify.json":
			c.modify = f.Data
		case f.Name == "delete":
			c.delete = true
		case f.Name == "inventory.json":
			c.inventory = f.Data
		case f.Name == "allocations.json":
			c.allocations = f.Data
		case strings.HasPrefix(f.Name, "want/") && strings.HasSuffix(f.Name, ".txt"):
			c.want[f.Name] = string(f.Data)
		default:
			return nil, fmt.Errorf("unknown section %q (want intent.json, modify.json, delete, inventory.json, allocations.json, want/<device>.txt, want/error.txt)", f.Name)
		}
	}
	if c.intent == nil {
		return nil, errors.New("no intent.json section")
	}
	if c.modify != nil && c.delete {
		return nil, errors.New("a case either modifies or deletes, not both")
	}
	return c, nil
}

// run renders the case and returns the actual want sections.
func run(ctx context.Context, p *pack.Pack, c *testCase, r *Result) (map[string]string, error) {
	inv := memory.Lab()
	if c.inventory != nil {
		var err error
		if inv, err = memory.ParseInventory(c.inventory); err != nil {
			return nil, fmt.Errorf("inventory.json: %w", err)
		}
	}
	pools := memory.NewPools()
	if c.allocations != nil {
		var allocs []memory.Allocation
		if err := json.Unmarshal(c.allocations, &allocs); err != nil {
			return nil, fmt.Errorf("allocations.json: %w", err)
		}
		if err := pools.Preload(allocs); err != nil {
			return nil, fmt.Errorf("allocations.json: %w", err)
		}
	}
	var lastIn pack.RenderInput
	render := func(src []byte, section string) (*pack.Rendered, error) {
		intent, err := pack.DecodeIntent(src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", section, err)
		}
		if err := p.Validate(intent); err != nil {
			return nil, scriptErr{err}
		}
		lastIn = pack.RenderInput{
			ServiceID: ServiceID, Intent: intent, Pools: pools.Service(ServiceID), Inventory: inv,
			Log: func(level, msg string) { r.Log = append(r.Log, level+": "+msg) },
		}
		out, err := p.Render(ctx, lastIn)
		if err != nil {
			return nil, scriptErr{err}
		}
		return out, nil
	}
	got := map[string]string{}
	first, err := render(c.intent, "intent.json")
	if err != nil {
		return errorOutput(err, "")
	}
	if _, ok := c.want[wantOps]; ok {
		// The ops of the created service, on every endpoint.
		text, err := opsOutput(ctx, p, lastIn, first)
		if err != nil {
			return errorOutput(err, "ops: ")
		}
		got[wantOps] = text
	}
	old, want := map[string][]config.Leaf{}, first.Config
	switch {
	case c.modify != nil:
		second, err := render(c.modify, "modify.json")
		if err != nil {
			return errorOutput(err, "modify: ")
		}
		old, want = first.Config, second.Config
	case c.delete:
		old, want = first.Config, map[string][]config.Leaf{}
	}
	devices := map[string]bool{}
	for d := range old {
		devices[d] = true
	}
	for d := range want {
		devices[d] = true
	}
	for d := range devices {
		cs, err := diff.Compute(d, old[d], want[d], nil)
		if err != nil {
			return nil, fmt.Errorf("diff %s: %w", d, err)
		}
		if text := FormatChanges(cs); text != "" {
			got["want/"+d+".txt"] = text
		}
	}
	return got, nil
}

// wantOps is the section holding the commands of the pack's ops (see opsOutput).
const wantOps = "want/ops.txt"

// opsOutput runs every op of the pack on every endpoint of the rendered service: one line per
// op and endpoint, "<op> <endpoint> <device> (<vendor>): <command>" ("-" when the op has
// nothing to run there), ops in pack.json order.
func opsOutput(ctx context.Context, p *pack.Pack, in pack.RenderInput, rd *pack.Rendered) (string, error) {
	var b strings.Builder
	for _, op := range p.Meta.Ops {
		for i := range rd.Endpoints {
			c, err := p.Op(ctx, op.Name, in, i)
			if err != nil {
				return "", scriptErr{err}
			}
			cmd := c.Command
			if cmd == "" {
				cmd = "-"
			}
			fmt.Fprintf(&b, "%s %d %s (%s): %s\n", c.Op, c.Endpoint, c.Device, c.Vendor, cmd)
		}
	}
	return b.String(), nil
}

// scriptErr marks an error of the pack (expected output), as opposed to a broken case.
type scriptErr struct{ error }

func errorOutput(err error, prefix string) (map[string]string, error) {
	var se scriptErr
	if !errors.As(err, &se) {
		return nil, err
	}
	return map[string]string{"want/error.txt": FormatError(se.error, prefix)}, nil
}

// FormatError renders a pack error as want/error.txt lines: "<pointer>: <message>" per field
// of a *pack.ValidationError, "<file>:<line>:<col>: <message>" for a *pack.ScriptError.
func FormatError(err error, prefix string) string {
	var b strings.Builder
	var ve *pack.ValidationError
	var se *pack.ScriptError
	var me *pack.ModelError
	switch {
	case errors.As(err, &me):
		// One line per refused value: where the pack produced it, the device, the config
		// path and value, the reason and the model path.
		for _, v := range me.Violations {
			fmt.Fprintf(&b, "%s%s\n", prefix, v.Line(me.Device))
		}
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			ptr := f.Pointer
			if ptr == "" {
				ptr = "(root)"
			}
			fmt.Fprintf(&b, "%s%s: %s\n", prefix, ptr, f.Message)
		}
	case errors.As(err, &se):
		fmt.Fprintf(&b, "%s%s\n", prefix, se.Error())
	default:
		fmt.Fprintf(&b, "%s%s\n", prefix, err.Error())
	}
	return b.String()
}

// FormatChanges renders a change set one change per line (see the package documentation).
func FormatChanges(cs config.ChangeSet) string {
	var b strings.Builder
	for _, c := range cs.Changes {
		b.WriteString(FormatChange(c))
		b.WriteByte('\n')
	}
	return b.String()
}

// FormatChange renders one change: "create p = v", "update p = v (was o)", "delete p".
func FormatChange(c config.Change) string {
	p := c.Path.String()
	switch c.Op {
	case config.Create:
		if c.Value == "" {
			return "create " + p
		}
		return "create " + p + " = " + value(c.Value)
	case config.Update:
		return "update " + p + " = " + value(c.Value) + " (was " + value(c.Old) + ")"
	case config.Delete:
		return "delete " + p
	}
	return string(c.Op) + " " + p
}

func value(v string) string {
	if v == "" || strings.TrimSpace(v) != v || strings.ContainsAny(v, "\"\n\r\t") || strings.Contains(v, " (was ") {
		return strconv.Quote(v)
	}
	return v
}

// rewrite replaces the archive's want sections with got, sorted by name (error.txt or devices).
func rewrite(a *txtar.Archive, got map[string]string) {
	kept := a.Files[:0]
	for _, f := range a.Files {
		if !strings.HasPrefix(f.Name, "want/") {
			kept = append(kept, f)
		}
	}
	a.Files = kept
	names := make([]string, 0, len(got))
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a.Files = append(a.Files, txtar.File{Name: n, Data: []byte(got[n])})
	}
}

// compare returns "" when want and got hold the same sections, else a readable diff.
func compare(want, got map[string]string) string {
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var b strings.Builder
	for _, n := range sorted {
		w, wok := want[n]
		g, gok := got[n]
		switch {
		case wok && gok && w == g:
			continue
		case !gok:
			fmt.Fprintf(&b, "%s: expected, but the pack produced nothing for it\n", n)
		case !wok:
			fmt.Fprintf(&b, "%s: produced, but the case has no such section\n", n)
		default:
			fmt.Fprintf(&b, "%s:\n", n)
		}
		b.WriteString(lineDiff(w, g))
	}
	return b.String()
}

// lineDiff is a minimal LCS line diff: "  " common, "- " only wanted, "+ " only produced.
func lineDiff(want, got string) string {
	a := splitLines(want)
	c := splitLines(got)
	n, m := len(a), len(c)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == c[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == c[j]:
			b.WriteString("    " + a[i] + "\n")
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			b.WriteString("  - " + a[i] + "\n")
			i++
		default:
			b.WriteString("  + " + c[j] + "\n")
			j++
		}
	}
	return b.String()
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
