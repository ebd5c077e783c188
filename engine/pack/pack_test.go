package pack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/xprov/xprov/builtins"
	"github.com/xprov/xprov/builtins/memory"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*/*.txtar")

const exampleDir = "testdata/eline"

// overlay returns the example pack with the archive's files laid over it; an "rm" section
// lists files to remove. Sections intent.json, allocations.json and want are not pack files.
func overlay(t testing.TB, a *txtar.Archive) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	ents, err := os.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys[e.Name()] = &fstest.MapFile{Data: b}
	}
	for _, f := range a.Files {
		switch f.Name {
		case "want", "intent.json", "allocations.json":
		case "rm":
			for _, n := range strings.Fields(string(f.Data)) {
				delete(fsys, n)
			}
		default:
			fsys[f.Name] = &fstest.MapFile{Data: f.Data}
		}
	}
	return fsys
}

func section(a *txtar.Archive, name string) ([]byte, bool) {
	for _, f := range a.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

// golden compares got with the archive's want section, or rewrites it under -update.
func golden(t *testing.T, file string, a *txtar.Archive, got string) {
	t.Helper()
	if !strings.HasSuffix(got, "\n") {
		got += "\n"
	}
	if *update {
		for i := range a.Files {
			if a.Files[i].Name == "want" {
				a.Files[i].Data = []byte(got)
			}
		}
		if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, _ := section(a, "want")
	if string(want) != got {
		t.Errorf("%s:\n--- got ---\n%s--- want ---\n%s", file, got, want)
	}
}

func loadExample(t testing.TB) *Pack {
	t.Helper()
	p, err := Load(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := DecodeIntent([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestLoadBroken loads each broken variant and compares the whole LoadError with the golden.
func TestLoadBroken(t *testing.T) {
	files, _ := filepath.Glob("testdata/broken/*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/broken/*.txtar")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadFS(overlay(t, a), "eline", Options{})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want *LoadError, got %v", err)
			}
			golden(t, file, a, le.Error())
		})
	}
}

// TestRenderErrors renders each variant's intent and compares the error (and its backtrace).
func TestRenderErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/render/*.txtar")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := LoadFS(overlay(t, a), "eline", Options{MaxSteps: 100_000})
			if err != nil {
				t.Fatal(err)
			}
			src, _ := section(a, "intent.json")
			pools := memory.NewPools()
			if b, ok := section(a, "allocations.json"); ok {
				var allocs []memory.Allocation
				if err := json.Unmarshal(b, &allocs); err != nil {
					t.Fatal(err)
				}
				if err := pools.Preload(allocs); err != nil {
					t.Fatal(err)
				}
			}
			_, err = p.Render(context.Background(), RenderInput{ServiceID: "svc-test", Intent: decode(t, string(src)), Pools: pools.Service("svc-test"), Inventory: memory.Lab()})
			if err == nil {
				t.Fatal("render succeeded, want an error")
			}
			got := err.Error()
			var se *ScriptError
			if errors.As(err, &se) && se.Backtrace != "" {
				got += "\n" + se.Backtrace
			}
			golden(t, file, a, got)
		})
	}
}

func TestRenderErrorKinds(t *testing.T) {
	p, err := LoadFS(overlay(t, mustParse(t, "testdata/render/steps.txtar")), "eline", Options{MaxSteps: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	in := decode(t, `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3"}]}`)
	render := func(ctx context.Context) error {
		_, err := p.Render(ctx, RenderInput{Intent: in, Pools: memory.NewPools().Service("s"), Inventory: memory.Lab()})
		return err
	}
	if err := render(context.Background()); !errors.Is(err, ErrStepLimit) {
		t.Errorf("step limit: got %v, want ErrStepLimit", err)
	}

	// A context that ends while the script runs cancels it.
	p2, err := LoadFS(overlay(t, mustParse(t, "testdata/render/steps.txtar")), "eline", Options{MaxSteps: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	spinning := make(chan struct{})
	go func() { <-spinning; cancel() }()
	// junos.star's spin logs "spinning" right before its endless loop: cancel only then, so
	// the cancellation always lands inside spin.
	_, err = p2.Render(ctx, RenderInput{Intent: in, Pools: memory.NewPools().Service("s"), Inventory: memory.Lab(),
		Log: func(level, msg string) {
			if msg == "spinning" {
				close(spinning)
			}
		}})
	var se *ScriptError
	if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: got %v, want a ScriptError wrapping context.Canceled", err)
	}
	if se.File != "junos.star" || !strings.Contains(se.Backtrace, "in spin") {
		t.Errorf("cancel: at %s, backtrace %s; want junos.star in spin", se.File, se.Backtrace)
	}

	// Exhaustion wraps builtins.ErrPoolExhausted.
	a := mustParse(t, "testdata/render/exhausted.txtar")
	p3, err := LoadFS(overlay(t, a), "eline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	pools := memory.NewPools()
	_ = pools.Preload([]memory.Allocation{{Service: "other", Pool: "vc-id", Value: 1000}})
	_, err = p3.Render(context.Background(), RenderInput{Intent: in, Pools: pools.Service("s"), Inventory: memory.Lab()})
	if !errors.Is(err, builtins.ErrPoolExhausted) {
		t.Errorf("exhausted: got %v, want ErrPoolExhausted", err)
	}
}

func mustParse(t testing.TB, file string) *txtar.Archive {
	t.Helper()
	a, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestValidate(t *testing.T) {
	p := loadExample(t)
	tests := []struct {
		name   string
		intent string
		want   []FieldError
	}{
		{"valid", `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3", "vlan": "auto"}]}`, nil},
		{"every failing field", `{"customer": "C 1", "mtu": 99999, "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 4095}, {"device": "sr1", "port": "nope", "speed": 1}]}`, []FieldError{
			{"/customer", `does not match pattern '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'`},
			{"/endpoints/0/vlan", "must be <= 4094 but found 4095"},
			{"/endpoints/1", "additionalProperties 'speed' not allowed"},
			{"/endpoints/1/port", `does not match pattern '^((ge|xe|et|mge)-[0-9]{1,2}/[0-9]{1,2}/[0-9]{1,3}(:[0-9])?|ae[0-9]{1,3})$'`},
			{"/endpoints/1/port", `does not match pattern '^([0-9]{1,2}/[0-9]{1,2}/([0-9]{1,3}|c[0-9]{1,3}/[0-9]{1,2})|lag-[0-9]{1,3})$'`},
			{"/mtu", "must be <= 9192 but found 99999"},
		}},
		{"every branch fails on type", `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": "x"}, {"device": "sr1", "port": "1/1/3"}]}`, []FieldError{
			{"/endpoints/0/vlan", "expected integer, but got string"},
			{"/endpoints/0/vlan", `value must be "auto"`},
			{"/endpoints/0/vlan", "expected null, but got string"},
		}},
		{"missing required", `{"endpoints": []}`, []FieldError{
			{"/customer", "is required"},
			{"/endpoints", "minimum 2 items required, but found 0 items"},
		}},
		{"every missing member at its pointer", `{}`, []FieldError{
			{"/customer", "is required"},
			{"/endpoints", "is required"},
		}},
		{"missing in a nested object", `{"customer": "C1", "endpoints": [{"port": "ge-0/0/1"}, {"device": "sr1", "port": "1/1/3"}]}`, []FieldError{
			{"/endpoints/0/device", "is required"},
		}},
		{"big integer stays exact", `{"customer": "C1", "mtu": 123456789012345678901234567890, "endpoints": [{"device": "pe1", "port": "ge-0/0/1"}, {"device": "sr1", "port": "1/1/3"}]}`, []FieldError{
			{"/mtu", "must be <= 9192 but found 123456789012345678901234567890"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Validate(decode(t, tt.intent))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *ValidationError", err)
			}
			if !equalFields(ve.Fields, tt.want) {
				t.Errorf("fields:\n got %q\nwant %q", ve.Fields, tt.want)
			}
		})
	}
}

func equalFields(a, b []FieldError) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRenderDeterministic(t *testing.T) {
	p := loadExample(t)
	in := decode(t, `{"customer": "C1", "description": "Link A-B", "mtu": 9000, "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3"}]}`)
	render := func() []byte {
		pools := memory.NewPools()
		r, err := p.Render(context.Background(), RenderInput{ServiceID: "s1", Intent: in, Pools: pools.Service("s1"), Inventory: memory.Lab()})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := render()
	for i := 0; i < 20; i++ {
		if got := render(); !bytes.Equal(got, first) {
			t.Fatalf("render %d differs:\n%s\n%s", i, got, first)
		}
	}
	// Idempotent allocation: rendering again with the same pools gives the same values.
	pools := memory.NewPools()
	in2 := RenderInput{ServiceID: "s1", Intent: in, Pools: pools.Service("s1"), Inventory: memory.Lab()}
	r1, err := p.Render(context.Background(), in2)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.Render(context.Background(), in2)
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := json.Marshal(r1)
	b2, _ := json.Marshal(r2)
	if !bytes.Equal(b1, b2) {
		t.Errorf("re-render with the same pools differs")
	}
	if got := len(pools.Allocations("s1")); got != 2 {
		t.Errorf("allocations: %d, want 2 (vc-id and the sr1 VLAN)", got)
	}
}

func TestRenderOutput(t *testing.T) {
	p := loadExample(t)
	in := decode(t, `{"customer": "C1", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3"}]}`)
	var logs []string
	r, err := p.Render(context.Background(), RenderInput{ServiceID: "s1", Intent: in, Pools: memory.NewPools().Service("s1"), Inventory: memory.Lab(),
		Log: func(level, msg string) { logs = append(logs, level+" "+msg) }})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ep := range r.Endpoints {
		b.WriteString(ep.Device + " " + ep.Vendor + "\n")
	}
	for _, d := range []string{"pe1", "sr1"} {
		for _, l := range r.Config[d] {
			b.WriteString(d + " " + l.Path.String())
			if l.Value != "" {
				b.WriteString(" = " + l.Value)
			}
			b.WriteString("\n")
		}
	}
	for _, l := range logs {
		b.WriteString("log " + l + "\n")
	}
	want, err := os.ReadFile("testdata/eline.render.golden")
	if *update {
		if err := os.WriteFile("testdata/eline.render.golden", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if r.Derived["vc_id"] != int64(1000) {
		t.Errorf("derived vc_id = %v", r.Derived["vc_id"])
	}
	// The render keeps its own copy of the lines it sent to Log, in order.
	var kept []string
	for _, l := range r.Logs {
		kept = append(kept, l.Level+" "+l.Msg)
	}
	if len(logs) == 0 || strings.Join(kept, "\n") != strings.Join(logs, "\n") {
		t.Errorf("Rendered.Logs = %q, want the lines sent to Log %q", kept, logs)
	}
}

func TestPoolSpec(t *testing.T) {
	tests := []struct {
		name  string
		spec  PoolSpec
		n     int64
		want  any
		lo    int64
		hi    int64
		check string
	}{
		{"int", PoolSpec{Type: "int", Start: 1000, End: 1999}, 1000, int64(1000), 1000, 1999, ""},
		{"format", PoolSpec{Type: "format", Start: 1, End: 9, Format: "65000:{}"}, 7, "65000:7", 1, 9, ""},
		{"prefix v4", PoolSpec{Type: "prefix", Prefix: "10.0.0.0/16", Length: 30}, 3, "10.0.0.12/30", 0, 16383, ""},
		{"prefix v4 end", PoolSpec{Type: "prefix", Prefix: "10.0.0.0/24", Length: 31, Start: 2, End: 5}, 5, "10.0.0.10/31", 2, 5, ""},
		{"prefix v6", PoolSpec{Type: "prefix", Prefix: "2001:db8::/32", Length: 48}, 258, "2001:db8:102::/48", 0, 65535, ""},
		{"bad range", PoolSpec{Type: "int", Start: 5, End: 1}, 0, nil, 5, 1, "end 1 is below start 5"},
		{"host bits", PoolSpec{Type: "prefix", Prefix: "10.0.0.1/16", Length: 30}, 0, nil, 0, 16383, `prefix "10.0.0.1/16" has host bits set (did you mean 10.0.0.0/16?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.check(); got != tt.check {
				t.Errorf("check() = %q, want %q", got, tt.check)
			}
			if lo, hi := tt.spec.Bounds(); lo != tt.lo || hi != tt.hi {
				t.Errorf("Bounds() = %d, %d, want %d, %d", lo, hi, tt.lo, tt.hi)
			}
			if tt.want == nil {
				return
			}
			got, err := tt.spec.Value(tt.n)
			if err != nil || got != tt.want {
				t.Errorf("Value(%d) = %v, %v, want %v", tt.n, got, err, tt.want)
			}
			if n, err := tt.spec.Offset(tt.want); err != nil || n != tt.n {
				t.Errorf("Offset(%v) = %d, %v, want %d", tt.want, n, err, tt.n)
			}
		})
	}
}

func TestPoolSpecOffsetErrors(t *testing.T) {
	tests := []struct {
		name string
		spec PoolSpec
		v    any
		want string
	}{
		{"int of string", PoolSpec{Type: "int", Start: 1, End: 9}, "7", "want an int, got string"},
		{"format other form", PoolSpec{Type: "format", Start: 1, End: 9, Format: "65000:{}"}, "65001:7", `"65001:7" does not have the form "65000:{}"`},
		{"format not a number", PoolSpec{Type: "format", Start: 1, End: 9, Format: "65000:{}"}, "65000:x", `"65000:x" does not have the form "65000:{}"`},
		{"format leading zero", PoolSpec{Type: "format", Start: 1, End: 9, Format: "65000:{}"}, "65000:07", `"65000:07" does not have the form "65000:{}"`},
		{"prefix wrong length", PoolSpec{Type: "prefix", Prefix: "10.0.0.0/16", Length: 30}, "10.0.0.0/29", `"10.0.0.0/29" is not a /30 subnet`},
		{"prefix host bits", PoolSpec{Type: "prefix", Prefix: "10.0.0.0/16", Length: 30}, "10.0.0.1/30", `"10.0.0.1/30" is not a /30 subnet`},
		{"prefix outside", PoolSpec{Type: "prefix", Prefix: "10.0.0.0/16", Length: 30}, "10.1.0.0/30", "10.1.0.0/30 is not inside 10.0.0.0/16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.spec.Offset(tt.v)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Offset(%v) error = %v, want %q", tt.v, err, tt.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	p := loadExample(t)
	if !strings.HasPrefix(p.Version, "1.0.0+") || len(p.Version) != len("1.0.0+")+12 {
		t.Errorf("Version = %q", p.Version)
	}
	a := &txtar.Archive{Files: []txtar.File{{Name: "junos.star", Data: []byte("def render(svc, ep):\n    return None\n")}}}
	p2, err := LoadFS(overlay(t, a), "eline", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p2.Version == p.Version {
		t.Error("a changed script must change the version")
	}
}

func TestRegistry(t *testing.T) {
	root := t.TempDir()
	copyDir(t, exampleDir, filepath.Join(root, "eline"))
	copyDir(t, exampleDir, filepath.Join(root, "broken"))
	writeFile(t, filepath.Join(root, "broken", "pack.json"), `{"name": "broken", "version": "1.0.0", "title": "x", "vendors": ["junos", "sros"]`)
	if err := os.Mkdir(filepath.Join(root, "not-a-pack"), 0o755); err != nil {
		t.Fatal(err)
	}

	r := NewRegistry(Options{}, DirSource(root))
	err := r.Reload()
	var le *LoadError
	if !errors.As(err, &le) || le.Dir != filepath.Join(root, "broken") {
		t.Fatalf("Reload: %v, want the LoadError of broken", err)
	}
	p, ok := r.Get("eline")
	if !ok {
		t.Fatal("eline did not load next to a broken pack")
	}

	// Unchanged files: the same *Pack is kept.
	if err := r.Reload(); err == nil {
		t.Fatal("broken pack still broken: want an error")
	}
	if p2, _ := r.Get("eline"); p2 != p {
		t.Error("an unchanged pack was reloaded")
	}

	// A fix is picked up by Watch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reloaded := make(chan error, 10)
	go r.Watch(ctx, 5e6, func(err error) { reloaded <- err })
	writeFile(t, filepath.Join(root, "broken", "pack.json"), `{"name": "fixed", "version": "1.0.1", "title": "x", "vendors": ["junos", "sros"], "pools": {"vc-id": {"type": "int", "start": 1000, "end": 1999}, "vlan": {"type": "int", "start": 100, "end": 199}}}`)
	if err := <-reloaded; err != nil {
		t.Fatalf("watch reload: %v", err)
	}
	if _, ok := r.Get("fixed"); !ok || len(r.Errors()) != 0 {
		t.Fatalf("fixed pack not loaded: %v", r.Errors())
	}

	// Breaking a good pack keeps its last good version and reports the problem.
	writeFile(t, filepath.Join(root, "eline", "junos.star"), "def render(svc, ep)\n")
	if err := <-reloaded; err == nil {
		t.Fatal("watch reload: want the error of the broken eline")
	}
	if p3, ok := r.Get("eline"); !ok || p3 != p {
		t.Error("a broken reload must keep the last good version")
	}
}

func TestRegistryConflicts(t *testing.T) {
	files := func(name, vcEnd string) fstest.MapFS {
		fsys := overlay(t, &txtar.Archive{})
		fsys["pack.json"] = &fstest.MapFile{Data: []byte(`{"name": "` + name + `", "version": "1.0.0", "title": "x", "vendors": ["junos", "sros"], "pools": {"vc-id": {"type": "int", "start": 1000, "end": ` + vcEnd + `}, "vlan": {"type": "int", "start": 100, "end": 199}}}`)}
		return fsys
	}
	root := fstest.MapFS{}
	for dir, fsys := range map[string]fstest.MapFS{"a": files("eline", "1999"), "b": files("eline", "1999"), "c": files("other", "2999")} {
		for n, f := range fsys {
			root[dir+"/"+n] = f
		}
	}
	r := NewRegistry(Options{}, Source{Name: "embedded", FS: fs.FS(root)})
	err := r.Reload()
	if err == nil {
		t.Fatal("want conflicts")
	}
	var got []string
	for _, le := range r.Errors() {
		got = append(got, le.Error())
	}
	want := []string{
		"pack embedded/b: 1 problem(s)\n  pack.json: pack name \"eline\" is already used by embedded/a",
		"pack embedded/c: 1 problem(s)\n  pack.json: pool \"vc-id\" is declared differently by pack eline (embedded/a); packs share pools by name and must declare them alike",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, e.Name()), string(b))
	}
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkValidate(b *testing.B) {
	p := loadExample(b)
	in := decode(b, `{"customer": "C1", "description": "Link A-B", "mtu": 9000, "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3", "vlan": 200}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Validate(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	p := loadExample(b)
	in := decode(b, `{"customer": "C1", "description": "Link A-B", "mtu": 9000, "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 100}, {"device": "sr1", "port": "1/1/3", "vlan": 200}]}`)
	pools := memory.NewPools().Service("s1")
	inv := memory.Lab()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Render(ctx, RenderInput{ServiceID: "s1", Intent: in, Pools: pools, Inventory: inv}); err != nil {
			b.Fatal(err)
		}
	}
}
