package pack

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/xprov/xprov/schemas"
)

func (l *loader) loadForm(p *Pack) {
	doc := l.parse(FileForm, false)
	if doc == nil {
		return
	}
	p.Form = json.RawMessage(doc.data)
	// Scopes are checked even when the meta-schema finds problems, so that one run lists
	// every reason; checkElement only follows members of the expected shape.
	l.metaValidate(doc, schemas.FormURL)
	if l.schema == nil {
		return // scopes cannot be checked against a broken schema
	}
	r := &scopeResolver{root: l.schema.val}
	l.checkElement(doc, r, doc.val, "", l.schema.val)
}

// checkElement resolves every scope of a form element against ctx, the schema its scopes are
// relative to (the intent schema, or the items schema inside a list's detail).
func (l *loader) checkElement(doc *jsonDoc, r *scopeResolver, v any, ptr string, ctx any) {
	el, ok := v.(map[string]any)
	if !ok {
		return
	}
	if rule, ok := el["rule"].(map[string]any); ok {
		if cond, ok := rule["condition"].(map[string]any); ok {
			if s, ok := cond["scope"].(string); ok && r.resolve(ctx, s) == nil {
				l.add(doc.problem(ptr+"/rule/condition/scope", fmt.Sprintf("rule scope %q points at no property of schema.json", s)))
			}
		}
	}
	if elems, ok := el["elements"].([]any); ok {
		for i, e := range elems {
			l.checkElement(doc, r, e, fmt.Sprintf("%s/elements/%d", ptr, i), ctx)
		}
	}
	scope, ok := el["scope"].(string)
	if !ok {
		return
	}
	opts, _ := el["options"].(map[string]any)
	if dev, ok := opts["device"].(string); ok && r.resolve(ctx, dev) == nil {
		l.add(doc.problem(ptr+"/options/device", fmt.Sprintf("options.device %q points at no sibling property of schema.json", dev)))
	}
	target := r.resolve(ctx, scope)
	if target == nil {
		l.add(doc.problem(ptr+"/scope", fmt.Sprintf("scope %q points at no property of schema.json", scope)))
		return
	}
	detail, hasDetail := opts["detail"]
	if el["type"] == "ListControl" || hasDetail {
		items := r.items(target)
		if items == nil {
			l.add(doc.problem(ptr+"/scope", fmt.Sprintf("scope %q of a list must point at an array property with items", scope)))
			return
		}
		if hasDetail {
			l.checkElement(doc, r, detail, ptr+"/options/detail", items)
		}
	}
}

// scopeResolver walks "#/properties/a/properties/b" scopes through a JSON Schema, following
// local $refs and refs to common.json, and looking into allOf/anyOf/oneOf/then/else branches.
type scopeResolver struct {
	root   any
	common any
}

func (r *scopeResolver) resolve(ctx any, scope string) any {
	if !strings.HasPrefix(scope, "#/") {
		return nil
	}
	toks := strings.Split(scope[2:], "/")
	if len(toks)%2 != 0 {
		return nil
	}
	cur := ctx
	for i := 0; i < len(toks); i += 2 {
		if toks[i] != "properties" {
			return nil
		}
		cur = r.property(cur, unescapeToken(toks[i+1]), 0)
		if cur == nil {
			return nil
		}
	}
	return cur
}

func (r *scopeResolver) deref(v any, depth int) (any, any) {
	base := r.root
	for n := 0; n < 16; n++ {
		m, ok := v.(map[string]any)
		if !ok {
			return v, base
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v, base
		}
		doc := base
		frag := ref
		switch {
		case strings.HasPrefix(ref, "#"):
		case strings.HasPrefix(ref, schemas.CommonURL+"#"):
			if r.common == nil {
				b, _ := schemas.ByURL(schemas.CommonURL)
				_ = json.Unmarshal(b, &r.common)
			}
			doc = r.common
			frag = ref[len(schemas.CommonURL):]
		default:
			return nil, base
		}
		v = pointerGet(doc, strings.TrimPrefix(frag, "#"))
		base = doc
	}
	return v, base
}

func (r *scopeResolver) property(v any, name string, depth int) any {
	if depth > 8 {
		return nil
	}
	v, _ = r.deref(v, depth)
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if props, ok := m["properties"].(map[string]any); ok {
		if p, ok := props[name]; ok {
			return p
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if subs, ok := m[k].([]any); ok {
			for _, s := range subs {
				if p := r.property(s, name, depth+1); p != nil {
					return p
				}
			}
		}
	}
	for _, k := range []string{"then", "else"} {
		if s, ok := m[k]; ok {
			if p := r.property(s, name, depth+1); p != nil {
				return p
			}
		}
	}
	return nil
}

// items returns the items schema of an array schema, nil when v is not one.
func (r *scopeResolver) items(v any) any {
	v, _ = r.deref(v, 0)
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if it, ok := m["items"]; ok {
		if _, isBool := it.(bool); !isBool {
			return it
		}
	}
	return nil
}

// pointerGet resolves a JSON pointer in a decoded JSON document.
func pointerGet(doc any, ptr string) any {
	if ptr == "" {
		return doc
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapeToken(tok)
		switch t := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = t[tok]; !ok {
				return nil
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(tok, "%d", &i); err != nil || i < 0 || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}
