package pack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// DecodeIntent decodes an intent document with numbers kept exact (json.Number), the form
// Validate and Render expect.
func DecodeIntent(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("intent: data after the JSON value")
	}
	return v, nil
}

// Validate checks an intent (decoded JSON, preferably by DecodeIntent) against the pack's
// schema. It returns nil or a *ValidationError listing every failing field by JSON pointer,
// sorted by pointer. A missing required member is reported at its own pointer (the object's
// pointer + "/" + the member) with the message "is required", so that a form shows it next to
// the empty input.
func (p *Pack) Validate(intent any) (err error) {
	if fs := checkNumbers(intent, "", nil); len(fs) > 0 {
		// Numbers the schema library cannot take (1e999999999 made it panic).
		sort.Slice(fs, func(i, j int) bool { return fs[i].Pointer < fs[j].Pointer })
		return &ValidationError{Fields: fs}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pack %s: validate: the schema validator failed: %v", p.Meta.Name, r)
		}
	}()
	err = p.schema.Validate(intent)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("pack %s: validate: %w", p.Meta.Name, err)
	}
	return &ValidationError{Fields: requiredAtMember(leafErrors(ve))}
}

var missingRE = regexp.MustCompile(`^missing properties: (.+)$`)
var quotedRE = regexp.MustCompile(`'((?:[^']|'')*)'`)

// requiredAtMember splits jsonschema's "missing properties: 'a', 'b'" at an object into one
// "is required" error per member, at the member's pointer, keeping the order by pointer.
func requiredAtMember(fields []FieldError) []FieldError {
	out := make([]FieldError, 0, len(fields))
	seen := map[FieldError]bool{}
	for _, f := range fields {
		m := missingRE.FindStringSubmatch(f.Message)
		if m == nil {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
			continue
		}
		for _, q := range quotedRE.FindAllStringSubmatch(m[1], -1) {
			g := FieldError{Pointer: f.Pointer + "/" + escapeToken(q[1]), Message: "is required"}
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// leafErrors flattens jsonschema's tree of errors to its leaf causes, sorted by pointer and
// without duplicates. A root-level failure has the pointer "". The items of an array that has
// too many are not reported one by one: the list's own maxItems error says what to fix, and
// 170,000 empty endpoints must not make 340,000 errors.
func leafErrors(ve *jsonschema.ValidationError) []FieldError {
	var out []FieldError
	seen := map[FieldError]bool{}
	tooMany := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			f := FieldError{Pointer: e.InstanceLocation, Message: e.Message}
			if strings.HasSuffix(e.KeywordLocation, "/maxItems") {
				tooMany[e.InstanceLocation] = true
			}
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
			return
		}
		causes := e.Causes
		if strings.HasSuffix(e.KeywordLocation, "/oneOf") || strings.HasSuffix(e.KeywordLocation, "/anyOf") {
			causes = relevantBranches(causes)
		}
		for _, c := range causes {
			walk(c)
		}
	}
	walk(ve)
	if len(tooMany) > 0 {
		kept := out[:0]
		for _, f := range out {
			if !underAny(f.Pointer, tooMany) {
				kept = append(kept, f)
			}
		}
		out = kept
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// underAny reports whether the JSON pointer ptr is strictly below one of the pointers in set.
func underAny(ptr string, set map[string]bool) bool {
	for i := len(ptr) - 1; i >= 0; i-- {
		if ptr[i] == '/' && set[ptr[:i]] {
			return true
		}
	}
	return false
}

// relevantBranches keeps, of the failing branches of a oneOf/anyOf, those that failed on
// something else than the value's type or a constant: for {"vlan": 5000} against
// "vlanId or \"auto\" or null" the operator needs "must be <= 4094", not why 5000 is not
// "auto" or null. When every branch failed on type or constant, all are kept.
func relevantBranches(causes []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	var keep []*jsonschema.ValidationError
	for _, c := range causes {
		if hasSubstantiveLeaf(c) {
			keep = append(keep, c)
		}
	}
	if len(keep) == 0 {
		return causes
	}
	return keep
}

func hasSubstantiveLeaf(e *jsonschema.ValidationError) bool {
	if len(e.Causes) == 0 {
		kw := e.KeywordLocation
		return !(strings.HasSuffix(kw, "/type") || strings.HasSuffix(kw, "/const") || strings.HasSuffix(kw, "/enum"))
	}
	for _, c := range e.Causes {
		if hasSubstantiveLeaf(c) {
			return true
		}
	}
	return false
}
