package pack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

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
// sorted by pointer.
func (p *Pack) Validate(intent any) error {
	err := p.schema.Validate(intent)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("pack %s: validate: %w", p.Meta.Name, err)
	}
	return &ValidationError{Fields: leafErrors(ve)}
}

// leafErrors flattens jsonschema's tree of errors to its leaf causes, sorted by pointer and
// without duplicates. A root-level failure has the pointer "".
func leafErrors(ve *jsonschema.ValidationError) []FieldError {
	var out []FieldError
	seen := map[FieldError]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			f := FieldError{Pointer: e.InstanceLocation, Message: e.Message}
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}
