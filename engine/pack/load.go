package pack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/xprov/xprov/builtins"
	"github.com/xprov/xprov/schemas"
	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// The files of a pack with a fixed meaning.
const (
	FileManifest = "pack.json"
	FileSchema   = "schema.json"
	FileForm     = "form.json"
	FileService  = "service.star"
	FileWorkflow = "workflow.star"
	FileOps      = "ops.star"
)

// fileOptions is the Starlark dialect of pack scripts (see the package documentation).
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  false,
	Recursion:       false,
}

var starName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*\.star$`)

// LibDir is the directory of a pack collection (next to its pack directories) holding the
// shared Starlark libraries its packs load as load("../lib/NAME.star", ...).
const LibDir = "lib"

// libPrefix is how a pack file names a library: relative to the pack directory.
const libPrefix = "../" + LibDir + "/"

// Load loads the pack in directory dir with default options, with the shared libraries of
// the collection it belongs to (dir/../lib).
func Load(dir string) (*Pack, error) { return LoadDir(dir, Options{}) }

// LoadDir loads the pack in directory dir, with the shared libraries of dir/../lib.
func LoadDir(dir string, opts Options) (*Pack, error) {
	return LoadFSLib(os.DirFS(dir), os.DirFS(filepath.Join(filepath.Dir(filepath.Clean(dir)), LibDir)), dir, opts)
}

// LoadFS loads the pack whose directory is the root of fsys; dir names it in messages. Every
// problem found is returned in one *LoadError; I/O failures are wrapped plainly. The pack
// cannot load shared libraries (see LoadFSLib).
func LoadFS(fsys fs.FS, dir string, opts Options) (*Pack, error) {
	return LoadFSLib(fsys, nil, dir, opts)
}

// LoadFSLib is LoadFS with lib (nil for none) the collection's library directory: the
// libraries the pack loads, directly or through each other, become part of the pack's files
// and of its version.
func LoadFSLib(fsys, lib fs.FS, dir string, opts Options) (*Pack, error) {
	files, err := readPackFiles(fsys)
	if err == nil {
		err = addLibs(files, lib)
	}
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", dir, err)
	}
	return loadFiles(files, dir, opts)
}

// resolveLoad returns the file key a load() of mod in file from names, or "" when the
// module is not one a pack may load. Pack files load their own *.star by name and the
// collection's libraries as ../lib/NAME.star; a library loads other libraries by name.
func resolveLoad(from, mod string) string {
	if strings.HasPrefix(from, libPrefix) {
		mod = strings.TrimPrefix(mod, libPrefix)
		if starName.MatchString(mod) {
			return libPrefix + mod
		}
		return ""
	}
	if starName.MatchString(mod) || (strings.HasPrefix(mod, libPrefix) && starName.MatchString(strings.TrimPrefix(mod, libPrefix))) {
		return mod
	}
	return ""
}

// addLibs adds to files the libraries of lib that its scripts load, directly or through
// each other, as "../lib/NAME.star". A library that does not exist is left out (its load()
// reports it with the loading file's position).
func addLibs(files map[string][]byte, lib fs.FS) error {
	if lib == nil {
		return nil
	}
	var queue []string
	for n := range files {
		if strings.HasSuffix(n, ".star") {
			queue = append(queue, n)
		}
	}
	sort.Strings(queue)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		f, err := fileOptions.Parse(n, files[n], 0)
		if err != nil {
			continue // reported when the pack loads
		}
		for _, st := range f.Stmts {
			ld, ok := st.(*syntax.LoadStmt)
			if !ok {
				continue
			}
			key := resolveLoad(n, ld.ModuleName())
			if !strings.HasPrefix(key, libPrefix) || files[key] != nil {
				continue
			}
			b, err := fs.ReadFile(lib, strings.TrimPrefix(key, libPrefix))
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("library %s: %w", strings.TrimPrefix(key, "../"), err)
			}
			files[key] = b
			queue = append(queue, key)
		}
	}
	return nil
}

// loadFiles loads a pack from the contents of its files (as readPackFiles returns them).
func loadFiles(files map[string][]byte, dir string, opts Options) (*Pack, error) {
	l := &loader{dir: dir, files: files, opts: opts}
	p := l.load()
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			if a.File != b.File {
				return fileRank(a.File) < fileRank(b.File)
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, &LoadError{Dir: dir, Problems: l.problems}
	}
	return p, nil
}

// fileRank orders problems: manifest, schema, form, then scripts by name.
func fileRank(f string) string {
	switch f {
	case FileManifest:
		return "0"
	case FileSchema:
		return "1"
	case FileForm:
		return "2"
	}
	return "3" + f
}

// readPackFiles reads the files a pack is made of: the three JSON files and every *.star at
// the top of the directory. Anything else (tests/, README) is not part of the pack's version.
func readPackFiles(fsys fs.FS) (map[string][]byte, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !(n == FileManifest || n == FileSchema || n == FileForm || strings.HasSuffix(n, ".star")) {
			continue
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		files[n] = b
	}
	return files, nil
}

// contentHash hashes file names and contents in name order.
func contentHash(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

type loader struct {
	dir      string
	files    map[string][]byte
	opts     Options
	problems []Problem

	manifest *jsonDoc
	schema   *jsonDoc
	scripts  map[string]*script
	parsed   map[string]*syntax.File
	inits    map[string]*initState
}

type initState struct {
	globals starlark.StringDict
	err     error
	busy    bool
}

func (l *loader) add(p Problem) { l.problems = append(l.problems, p) }

func (l *loader) addf(file string, format string, args ...any) {
	l.add(Problem{File: file, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) load() *Pack {
	p := &Pack{Dir: l.dir, opts: l.opts}
	p.Hash = contentHash(l.files)

	l.loadManifest(p)
	l.loadSchema(p)
	l.loadForm(p)
	l.loadScripts(p)
	if l.manifest != nil {
		l.checkVendors(p)
	}
	p.Version = p.Meta.Version + "+" + p.Hash[:12]
	return p
}

// metaSchemas compiles the embedded pack and form meta-schemas once.
var metaSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := newCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, u := range []string{schemas.PackURL, schemas.FormURL} {
		s, err := c.Compile(u)
		if err != nil {
			return nil, fmt.Errorf("pack: embedded meta-schema %s: %w", u, err)
		}
		out[u] = s
	}
	return out, nil
})

// newCompiler returns a draft 2020-12 compiler with formats asserted that serves
// https://xprov.dev/schemas/* from the binary and refuses every other URL (packs load offline).
func newCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		if b, ok := schemas.ByURL(u); ok {
			return io.NopCloser(bytes.NewReader(b)), nil
		}
		return nil, fmt.Errorf("%s cannot be loaded: only %s documents are available", u, schemas.Base+"*")
	}
	if b, ok := schemas.ByURL(schemas.CommonURL); ok {
		if err := c.AddResource(schemas.CommonURL, bytes.NewReader(b)); err != nil {
			panic("pack: embedded common.json: " + err.Error()) // programmer error
		}
	}
	return c
}

// metaValidate checks doc against the meta-schema at url, one problem per failing leaf.
func (l *loader) metaValidate(doc *jsonDoc, url string) bool {
	ms, err := metaSchemas()
	if err != nil {
		l.addf(doc.file, "%v", err)
		return false
	}
	err = ms[url].Validate(doc.val)
	if err == nil {
		return true
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		l.addf(doc.file, "%v", err)
		return false
	}
	for _, f := range leafErrors(ve) {
		l.add(doc.problem(memberPointer(f), describe(f)))
	}
	return false
}

var additionalRE = regexp.MustCompile(`^additionalProperties '([^']*)'`)

// memberPointer points an "additionalProperties 'x' not allowed" error at the member x.
func memberPointer(f FieldError) string {
	if m := additionalRE.FindStringSubmatch(f.Message); m != nil {
		return f.Pointer + "/" + escapeToken(m[1])
	}
	return f.Pointer
}

func describe(f FieldError) string {
	if f.Pointer == "" {
		return f.Message
	}
	return f.Pointer + ": " + f.Message
}

func (l *loader) parse(file string, required bool) *jsonDoc {
	data, ok := l.files[file]
	if !ok {
		if required {
			l.addf(file, "missing (every pack needs %s)", file)
		}
		return nil
	}
	doc, prob := parseJSON(file, data)
	if prob != nil {
		l.add(*prob)
		return nil
	}
	return doc
}

func (l *loader) loadManifest(p *Pack) {
	doc := l.parse(FileManifest, true)
	if doc == nil {
		return
	}
	if !l.metaValidate(doc, schemas.PackURL) {
		return
	}
	if err := json.Unmarshal(doc.data, &p.Meta); err != nil {
		l.add(*jsonProblem(FileManifest, doc.data, err))
		return
	}
	l.manifest = doc
	p.poolDefs = map[string]builtins.PoolDef{}
	names := make([]string, 0, len(p.Meta.Pools))
	for n := range p.Meta.Pools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		spec := p.Meta.Pools[n]
		if msg := spec.check(); msg != "" {
			l.add(doc.problem("/pools/"+escapeToken(n), fmt.Sprintf("pool %q: %s", n, msg)))
			continue
		}
		p.poolDefs[n] = spec
	}
}

func (l *loader) loadSchema(p *Pack) {
	doc := l.parse(FileSchema, true)
	if doc == nil {
		return
	}
	p.Schema = json.RawMessage(doc.data)
	root, ok := doc.val.(map[string]any)
	if !ok {
		l.add(doc.problem("", "the intent schema must be a JSON object"))
		return
	}
	if t, _ := root["type"].(string); t != "object" {
		l.add(doc.problem("", `the intent schema must have "type": "object" (an intent is a JSON object)`))
	}
	c := newCompiler()
	url := "https://xprov.dev/packs/" + strings.Trim(strings.ReplaceAll(l.dir, "\\", "/"), "/.") + "/schema.json"
	if err := c.AddResource(url, bytes.NewReader(doc.data)); err != nil {
		l.addf(FileSchema, "%v", err)
		return
	}
	s, err := c.Compile(url)
	if err != nil {
		l.schemaError(doc, err)
		return
	}
	p.schema = s
	l.schema = doc
}

// schemaError turns a jsonschema compile error into positioned problems: meta-schema
// violations at their pointer, anything else (a $ref that does not resolve) at the file.
func (l *loader) schemaError(doc *jsonDoc, err error) {
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		for _, f := range leafErrors(ve) {
			l.add(doc.problem(f.Pointer, describe(f)))
		}
		return
	}
	msg := err.Error()
	var se *jsonschema.SchemaError
	if errors.As(err, &se) && se.Err != nil {
		msg = se.Err.Error()
	}
	msg = strings.TrimPrefix(msg, "jsonschema: ")
	// Position a $ref problem at the $ref the message names.
	if ptr := findRef(doc, msg); ptr != "" {
		l.add(doc.problem(ptr, "invalid schema: "+msg))
		return
	}
	l.add(Problem{File: doc.file, Msg: "invalid schema: " + msg})
}

// findRef returns the pointer of the first "$ref" member whose value msg mentions.
func findRef(doc *jsonDoc, msg string) string {
	var found string
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		if found != "" {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if r, ok := t["$ref"].(string); ok && r != "" && strings.Contains(msg, r) {
				found = ptr + "/$ref"
				return
			}
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(t[k], ptr+"/"+escapeToken(k))
			}
		case []any:
			for i, e := range t {
				walk(e, fmt.Sprintf("%s/%d", ptr, i))
			}
		}
	}
	walk(doc.val, "")
	return found
}

func (l *loader) loadScripts(p *Pack) {
	l.scripts = map[string]*script{}
	l.parsed = map[string]*syntax.File{}
	l.inits = map[string]*initState{}
	names := make([]string, 0)
	for n := range l.files {
		if strings.HasSuffix(n, ".star") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	predecl := predeclared()
	for _, n := range names {
		if !starName.MatchString(strings.TrimPrefix(n, libPrefix)) {
			l.addf(n, "script names are lower case letters, digits, - and _, ending in .star")
			continue
		}
		f, err := fileOptions.Parse(n, l.files[n], 0)
		var prog *starlark.Program
		if err == nil {
			l.parsed[n] = f
			instrument(f) // dicts record where their entries were produced (origin.go)
			prog, err = starlark.FileProgram(f, predecl.Has)
		}
		if err != nil {
			l.compileError(n, err)
			continue
		}
		s := &script{file: n, prog: prog}
		for i := 0; i < prog.NumLoads(); i++ {
			mod, pos := prog.Load(i)
			key := resolveLoad(n, mod)
			switch {
			case key == "" && strings.HasPrefix(n, libPrefix):
				l.add(posProblem(pos, fmt.Sprintf("load(%q): a library loads only other libraries of %s/, by name", mod, LibDir)))
			case key == "" || (l.files[key] == nil && !strings.HasPrefix(key, libPrefix)):
				l.add(posProblem(pos, fmt.Sprintf("load(%q): only other .star files of this pack, or the collection's libraries as %sNAME.star, can be loaded", mod, libPrefix)))
			case l.files[key] == nil:
				l.add(posProblem(pos, fmt.Sprintf("load(%q): no library %s in the pack collection's %s/ directory", mod, path.Base(key), LibDir)))
			}
		}
		l.scripts[n] = s
	}
	if l.manifest != nil {
		for _, n := range names {
			if f := l.parsed[n]; f != nil {
				l.checkPoolNames(p, f)
			}
		}
	}
	for _, n := range names {
		if l.scripts[n] != nil {
			l.initScript(n)
		}
	}
	p.scripts = map[string]*script{}
	for n, s := range l.scripts {
		if st := l.inits[n]; st != nil && st.err == nil {
			s.globals = st.globals
			p.scripts[n] = s
		}
	}
}

func posProblem(pos syntax.Position, msg string) Problem {
	return Problem{File: pos.Filename(), Line: int(pos.Line), Col: int(pos.Col), Msg: msg}
}

func (l *loader) compileError(file string, err error) {
	var list resolve.ErrorList
	var se syntax.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			l.add(posProblem(e.Pos, e.Msg))
		}
	case errors.As(err, &se):
		l.add(posProblem(se.Pos, se.Msg))
	default:
		l.addf(file, "%v", err)
	}
}

// initScript runs a file's top level once (after the files it loads) and freezes its globals.
func (l *loader) initScript(file string) (starlark.StringDict, error) {
	if st, ok := l.inits[file]; ok {
		if st.busy {
			return nil, errors.New("cycle in load graph")
		}
		return st.globals, st.err
	}
	s := l.scripts[file]
	if s == nil {
		st := &initState{err: fmt.Errorf("%s does not compile", file)}
		l.inits[file] = st
		return nil, st.err
	}
	st := &initState{busy: true}
	l.inits[file] = st
	thread := &starlark.Thread{Name: "load " + file}
	thread.SetMaxExecutionSteps(l.opts.maxSteps())
	thread.Load = func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
		key := resolveLoad(file, module)
		if key == "" || l.files[key] == nil {
			return nil, errLoadFailed // reported when the file compiled
		}
		g, err := l.initScript(key)
		if err != nil {
			return nil, errLoadFailed
		}
		return g, nil
	}
	g, err := s.prog.Init(thread, predeclared())
	g.Freeze()
	st.busy = false
	st.globals, st.err = g, err
	if err != nil {
		var ee *starlark.EvalError
		if errors.As(err, &ee) && strings.Contains(ee.Msg, errLoadFailed.Error()) {
			return nil, err // the loaded file's own problem is reported already
		}
		l.add(evalProblem(file, err))
	}
	return g, err
}

var errLoadFailed = errors.New("the loaded file has problems (reported on their own)")

// evalProblem positions a top-level runtime error at the innermost frame of a pack file.
func evalProblem(file string, err error) Problem {
	var ee *starlark.EvalError
	if errors.As(err, &ee) {
		if pos, ok := innermost(ee.CallStack); ok {
			return posProblem(pos, ee.Msg)
		}
		return Problem{File: file, Msg: ee.Msg}
	}
	return Problem{File: file, Msg: err.Error()}
}

func innermost(stack starlark.CallStack) (syntax.Position, bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		if fn := stack[i].Pos.Filename(); fn != "<builtin>" && fn != "" {
			return stack[i].Pos, true
		}
	}
	return syntax.Position{}, false
}

// checkPoolNames reports pools.allocate/claim/lookup/release calls whose pool is a string literal
// that pack.json does not declare.
func (l *loader) checkPoolNames(p *Pack, f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok {
			return true
		}
		dot, ok := call.Fn.(*syntax.DotExpr)
		if !ok {
			return true
		}
		if x, ok := dot.X.(*syntax.Ident); !ok || x.Name != "pools" {
			return true
		}
		switch dot.Name.Name {
		case "allocate", "claim", "lookup", "release":
		default:
			return true
		}
		var arg syntax.Expr
		for i, a := range call.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				if id, ok := b.X.(*syntax.Ident); ok && id.Name == "pool" {
					arg = b.Y
				}
				continue
			}
			if i == 0 {
				arg = a
			}
		}
		lit, ok := arg.(*syntax.Literal)
		if !ok || lit.Token != syntax.STRING {
			return true
		}
		name, _ := lit.Value.(string)
		if _, declared := p.Meta.Pools[name]; !declared {
			l.add(posProblem(lit.TokenPos, fmt.Sprintf("pools.%s: pool %q is not declared in pack.json \"pools\"", dot.Name.Name, name)))
		}
		return true
	})
}

// checkVendors checks that every vendor has a script with render(svc, endpoint), that
// service.star defines service(intent), and that declared ops and workflows exist.
func (l *loader) checkVendors(p *Pack) {
	for i, v := range p.Meta.Vendors {
		file := v + ".star"
		if _, ok := l.files[file]; !ok {
			l.add(l.manifest.problem(fmt.Sprintf("/vendors/%d", i), fmt.Sprintf("vendor %q is listed but %s is missing", v, file)))
			continue
		}
		l.checkFunc(file, "render", 2, "render(svc, endpoint)")
	}
	if _, ok := l.files[FileService]; ok {
		l.checkFunc(FileService, "service", 1, "service(intent)")
	}
	for i, w := range p.Meta.Workflows {
		if _, ok := l.files[FileWorkflow]; !ok {
			l.add(l.manifest.problem(fmt.Sprintf("/workflows/%d", i), fmt.Sprintf("workflow %q is listed but %s is missing", w, FileWorkflow)))
			continue
		}
		l.checkFunc(FileWorkflow, w, -1, w+"(...)")
	}
	for i, op := range p.Meta.Ops {
		if _, ok := l.files[FileOps]; !ok {
			l.add(l.manifest.problem(fmt.Sprintf("/ops/%d", i), fmt.Sprintf("op %q is listed but %s is missing", op.Name, FileOps)))
			continue
		}
		l.checkFunc(FileOps, op.Name, 2, op.Name+"(svc, endpoint)")
	}
}

// checkFunc reports a missing entry point, or one that cannot be called with nargs positional
// arguments (nargs < 0: any).
func (l *loader) checkFunc(file, name string, nargs int, want string) {
	st := l.inits[file]
	if st == nil || st.err != nil {
		return // the file's own problems are reported
	}
	v, ok := st.globals[name]
	if !ok {
		l.addf(file, "no function %s: every %s needs one", want, entryKind(file))
		return
	}
	fn, ok := v.(*starlark.Function)
	if !ok {
		l.addf(file, "%s is a %s, want a function %s", name, v.Type(), want)
		return
	}
	if nargs < 0 {
		return
	}
	pos := fn.Position()
	positional := fn.NumParams() - fn.NumKwonlyParams()
	if fn.HasVarargs() {
		positional--
	}
	if fn.HasKwargs() {
		positional--
	}
	required := 0
	for i := 0; i < positional; i++ {
		if fn.ParamDefault(i) == nil {
			required++
		}
	}
	kwonlyRequired := false
	for i := positional; i < positional+fn.NumKwonlyParams(); i++ {
		if fn.ParamDefault(i) == nil {
			kwonlyRequired = true
		}
	}
	if required > nargs || (positional < nargs && !fn.HasVarargs()) || kwonlyRequired {
		l.add(posProblem(pos, fmt.Sprintf("%s must take %d parameter(s): %s", name, nargs, want)))
	}
}

func entryKind(file string) string {
	switch file {
	case FileService:
		return "service.star"
	case FileOps:
		return "op declared in pack.json"
	case FileWorkflow:
		return "workflow declared in pack.json"
	}
	return "vendor script"
}
