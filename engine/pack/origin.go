package pack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/builtins"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Origins: where in a pack's scripts a rendered value was produced, so that a device model's
// refusal names the pack's file:line (and the calls that led there), not only a config path.
//
// Starlark values carry no position, but dicts have identity. At load, each script's syntax
// tree is rewritten: a dict literal or comprehension {...} becomes __xprov_dict({...}, "pos,
// ..."), and a subscript assignment x[k] = v (k a literal or a name) becomes
// __xprov_at(x, k, "pos")[k] = v. Both builtins return their first argument unchanged; during a
// render they record, in a table on the thread, the position of each entry of the dict and the
// call stack that built it. When a model refuses a leaf, its config path is followed through the
// render() result to the innermost dict entry with a recorded position.

const (
	originDict = "__xprov_dict"
	originAt   = "__xprov_at"
	originKey  = "xprov.origins"
)

// Origin is where a value was produced: the script position and the calls leading to it
// (innermost last: "junos.star:12 render > common.star:118 junos_policer").
type Origin struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Col   int    `json:"col"`
	Stack string `json:"stack,omitempty"`
}

func (o Origin) String() string {
	if o.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", o.File, o.Line, o.Col)
}

// dictOrigins are the recorded origins of one dict's entries. Recording is cheap (the raw
// call stack and position text); positions and stacks are worked out only for a refused value.
type dictOrigins struct {
	keys  []starlark.Value // the literal's keys, in order (nil for an assignment record)
	poss  string           // "line:col,..." of the literal's entries
	stack starlark.CallStack
	// at are the entries assigned by subscript (d[k] = v): key -> its record.
	at map[string]*atOrigin
}

type atOrigin struct {
	pos   string
	stack starlark.CallStack
}

// entry returns the origin of the entry key, if recorded.
func (r *dictOrigins) entry(key string) (Origin, bool) {
	if a, ok := r.at[key]; ok {
		return makeOrigin(a.stack, a.pos), true
	}
	poss := strings.Split(r.poss, ",")
	for i, k := range r.keys {
		if ks, ok := starlark.AsString(k); ok && ks == key {
			p := poss[len(poss)-1]
			if i < len(poss) {
				p = poss[i]
			}
			return makeOrigin(r.stack, p), true
		}
	}
	return Origin{}, false
}

// self is where the dict was built.
func (r *dictOrigins) self() Origin {
	if r.keys == nil && r.stack == nil {
		return Origin{}
	}
	return makeOrigin(r.stack, "")
}

// originTable is the table a render's thread records into.
type originTable map[*starlark.Dict]*dictOrigins

// predeclared is what pack scripts see: the builtins and the two origin recorders.
func predeclared() starlark.StringDict {
	d := builtins.Predeclared()
	d[originDict] = starlark.NewBuiltin(originDict, recordDict)
	d[originAt] = starlark.NewBuiltin(originAt, recordAt)
	return d
}

func table(th *starlark.Thread) originTable {
	t, _ := th.Local(originKey).(originTable)
	return t
}

// makeOrigin is the origin of a builtin's caller: stack is the thread's call stack when the
// builtin ran (its own frame last), pos the position text the instrumented code passed.
func makeOrigin(stack starlark.CallStack, pos string) Origin {
	var parts []string
	for _, f := range stack {
		if fn := f.Pos.Filename(); fn != "<builtin>" && fn != "" {
			parts = append(parts, fmt.Sprintf("%s:%d %s", fn, f.Pos.Line, f.Name))
		}
	}
	o := Origin{Stack: strings.Join(parts, " > ")}
	if len(stack) >= 2 {
		c := stack[len(stack)-2]
		o.File, o.Line, o.Col = c.Pos.Filename(), int(c.Pos.Line), int(c.Pos.Col)
	}
	if l, c, ok := parsePos(pos); ok {
		o.Line, o.Col = l, c
	}
	return o
}

func parsePos(s string) (line, col int, ok bool) {
	a, b, found := strings.Cut(s, ":")
	if !found {
		return 0, 0, false
	}
	l, err1 := strconv.Atoi(a)
	c, err2 := strconv.Atoi(b)
	return l, c, err1 == nil && err2 == nil
}

// recordDict is __xprov_dict(d, "line:col,line:col,..."): the positions of d's entries, in
// order (a comprehension gives one position for all).
func recordDict(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 2 {
		return starlark.None, fmt.Errorf("%s: internal: want 2 arguments", originDict)
	}
	d, ok := args[0].(*starlark.Dict)
	t := table(th)
	if !ok || t == nil {
		return args[0], nil
	}
	ps, _ := starlark.AsString(args[1])
	rec := t[d]
	if rec == nil {
		rec = &dictOrigins{}
	}
	rec.keys, rec.poss, rec.stack = d.Keys(), ps, th.CallStack()
	t[d] = rec
	return d, nil
}

// recordAt is __xprov_at(x, k, "line:col"), evaluated just before x[k] = v.
func recordAt(th *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 3 {
		return starlark.None, fmt.Errorf("%s: internal: want 3 arguments", originAt)
	}
	d, ok := args[0].(*starlark.Dict)
	t := table(th)
	if !ok || t == nil {
		return args[0], nil
	}
	ks, ok := starlark.AsString(args[1])
	if !ok {
		return args[0], nil
	}
	ps, _ := starlark.AsString(args[2])
	rec := t[d]
	if rec == nil {
		rec = &dictOrigins{}
		t[d] = rec
	}
	if rec.at == nil {
		rec.at = map[string]*atOrigin{}
	}
	rec.at[ks] = &atOrigin{pos: ps, stack: th.CallStack()}
	return d, nil
}

// instrument rewrites a parsed (unresolved) script so that its dicts record their origins.
func instrument(f *syntax.File) {
	for _, s := range f.Stmts {
		instrumentStmt(s)
	}
}

func posString(p syntax.Position) string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

func instrumentStmts(ss []syntax.Stmt) {
	for _, s := range ss {
		instrumentStmt(s)
	}
}

func instrumentStmt(s syntax.Stmt) {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.RHS = instrumentExpr(s.RHS)
		if ix, ok := s.LHS.(*syntax.IndexExpr); ok && s.Op == syntax.EQ {
			ix.X = instrumentExpr(ix.X)
			ix.Y = instrumentExpr(ix.Y)
			if simple(ix.Y) {
				start, _ := ix.Span()
				ix.X = &syntax.CallExpr{
					Fn:     &syntax.Ident{NamePos: start, Name: originAt},
					Lparen: start,
					Args:   []syntax.Expr{ix.X, cloneSimple(ix.Y), &syntax.Literal{Token: syntax.STRING, TokenPos: start, Raw: strconv.Quote(posString(start)), Value: posString(start)}},
					Rparen: start,
				}
			}
		} else {
			s.LHS = instrumentExpr(s.LHS)
		}
	case *syntax.ExprStmt:
		s.X = instrumentExpr(s.X)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = instrumentExpr(s.Result)
		}
	case *syntax.IfStmt:
		s.Cond = instrumentExpr(s.Cond)
		instrumentStmts(s.True)
		instrumentStmts(s.False)
	case *syntax.ForStmt:
		s.X = instrumentExpr(s.X)
		instrumentStmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = instrumentExpr(s.Cond)
		instrumentStmts(s.Body)
	case *syntax.DefStmt:
		for i, p := range s.Params {
			if b, ok := p.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				b.Y = instrumentExpr(b.Y)
				s.Params[i] = b
			}
		}
		instrumentStmts(s.Body)
	}
}

// simple reports whether evaluating e twice is the same as once (a literal or a name).
func simple(e syntax.Expr) bool {
	switch e.(type) {
	case *syntax.Literal, *syntax.Ident:
		return true
	}
	return false
}

func cloneSimple(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.Literal:
		c := *e
		return &c
	case *syntax.Ident:
		return &syntax.Ident{NamePos: e.NamePos, Name: e.Name}
	}
	return e
}

func instrumentExprs(es []syntax.Expr) {
	for i, e := range es {
		es[i] = instrumentExpr(e)
	}
}

func instrumentExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case nil:
		return nil
	case *syntax.DictExpr:
		poss := make([]string, len(e.List))
		for i, x := range e.List {
			entry := x.(*syntax.DictEntry)
			entry.Key = instrumentExpr(entry.Key)
			entry.Value = instrumentExpr(entry.Value)
			start, _ := entry.Key.Span()
			poss[i] = posString(start)
		}
		return wrapDict(e, e.Lbrace, e.Rbrace, strings.Join(poss, ","))
	case *syntax.Comprehension:
		if d, ok := e.Body.(*syntax.DictEntry); ok {
			d.Key = instrumentExpr(d.Key)
			d.Value = instrumentExpr(d.Value)
		} else {
			e.Body = instrumentExpr(e.Body)
		}
		for _, cl := range e.Clauses {
			switch cl := cl.(type) {
			case *syntax.ForClause:
				cl.X = instrumentExpr(cl.X)
			case *syntax.IfClause:
				cl.Cond = instrumentExpr(cl.Cond)
			}
		}
		if e.Curly {
			start, _ := e.Body.Span()
			return wrapDict(e, e.Lbrack, e.Rbrack, posString(start))
		}
		return e
	case *syntax.ListExpr:
		instrumentExprs(e.List)
	case *syntax.TupleExpr:
		instrumentExprs(e.List)
	case *syntax.ParenExpr:
		e.X = instrumentExpr(e.X)
	case *syntax.CallExpr:
		e.Fn = instrumentExpr(e.Fn)
		for i, a := range e.Args {
			if b, ok := a.(*syntax.BinaryExpr); ok && b.Op == syntax.EQ {
				if _, named := b.X.(*syntax.Ident); named {
					b.Y = instrumentExpr(b.Y)
					continue
				}
			}
			e.Args[i] = instrumentExpr(a)
		}
	case *syntax.BinaryExpr:
		e.X = instrumentExpr(e.X)
		e.Y = instrumentExpr(e.Y)
	case *syntax.UnaryExpr:
		e.X = instrumentExpr(e.X)
	case *syntax.CondExpr:
		e.Cond = instrumentExpr(e.Cond)
		e.True = instrumentExpr(e.True)
		e.False = instrumentExpr(e.False)
	case *syntax.IndexExpr:
		e.X = instrumentExpr(e.X)
		e.Y = instrumentExpr(e.Y)
	case *syntax.SliceExpr:
		e.X = instrumentExpr(e.X)
		e.Lo = instrumentExpr(e.Lo)
		e.Hi = instrumentExpr(e.Hi)
		e.Step = instrumentExpr(e.Step)
	case *syntax.DotExpr:
		e.X = instrumentExpr(e.X)
	case *syntax.LambdaExpr:
		e.Body = instrumentExpr(e.Body)
	}
	return e
}

func wrapDict(e syntax.Expr, l, r syntax.Position, poss string) syntax.Expr {
	return &syntax.CallExpr{
		Fn:     &syntax.Ident{NamePos: l, Name: originDict},
		Lparen: l,
		Args:   []syntax.Expr{e, &syntax.Literal{Token: syntax.STRING, TokenPos: l, Raw: strconv.Quote(poss), Value: poss}},
		Rparen: r,
	}
}

// originOf follows path through a render() result (the Junos JSON shape) and returns the
// innermost recorded origin along it.
func originOf(t originTable, res starlark.Value, path config.Path) Origin {
	var best Origin
	cur := res
	for _, seg := range path {
		d, ok := cur.(*starlark.Dict)
		if !ok {
			break
		}
		if rec := t[d]; rec != nil {
			if o, ok := rec.entry(seg.Name); ok {
				best = o
			} else if o := rec.self(); o.File != "" && best.File == "" {
				best = o
			}
		}
		v, found, _ := d.Get(starlark.String(seg.Name))
		if !found {
			break
		}
		if !seg.IsEntry() {
			cur = v
			continue
		}
		next := starlark.Value(nil)
		if it, ok := v.(starlark.Indexable); ok {
			for i := 0; i < it.Len(); i++ {
				e := it.Index(i)
				if ed, ok := e.(*starlark.Dict); ok {
					if k, found, _ := ed.Get(starlark.String(config.KeyField)); found && keyString(k) == seg.Key {
						next = ed
						if rec := t[ed]; rec != nil {
							if o, ok := rec.entry(config.KeyField); ok {
								best = o
							}
						}
						break
					}
				} else if keyString(e) == seg.Key {
					break
				}
			}
		}
		if next == nil {
			break
		}
		cur = next
	}
	return best
}

func keyString(v starlark.Value) string {
	if s, ok := starlark.AsString(v); ok {
		return s
	}
	return v.String()
}

// originOfObjects finds the origin of path in a render() result of SAM objects (a list of
// {class, key, parent, props}): the props entry of a property, else the object itself.
func originOfObjects(t originTable, res starlark.Value, path config.Path) Origin {
	it, ok := res.(starlark.Indexable)
	if !ok {
		return Origin{}
	}
	get := func(d *starlark.Dict, k string) string {
		v, found, _ := d.Get(starlark.String(k))
		if !found || v == starlark.None {
			return ""
		}
		return keyString(v)
	}
	for i := 0; i < it.Len(); i++ {
		d, ok := it.Index(i).(*starlark.Dict)
		if !ok {
			continue
		}
		op, err := config.Object{Class: get(d, "class"), Key: get(d, "key"), Parent: get(d, "parent")}.Path()
		prop := len(path) == len(op)+1 && !path.Last().IsEntry()
		if err != nil || !path.HasPrefix(op) || (len(path) != len(op) && !prop) {
			continue
		}
		rec := t[d]
		if prop {
			if pv, found, _ := d.Get(starlark.String("props")); found {
				if pd, ok := pv.(*starlark.Dict); ok && t[pd] != nil {
					if o, ok := t[pd].entry(path.Last().Name); ok {
						return o
					}
				}
			}
		}
		if rec != nil {
			if o, ok := rec.entry("class"); ok {
				return o
			}
			return rec.self()
		}
	}
	return Origin{}
}
