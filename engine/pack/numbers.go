package pack

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// maxIntegralLen bounds the spelling of a number NormalizeNumbers rewrites; longer ones are
// left as they are (the schema's bounds refuse them), so a 1 MiB number costs nothing.
const maxIntegralLen = 64

// NormalizeNumbers returns v (JSON decoded with UseNumber) with every integral number spelled
// as a float ("1e2", "100.0", "-3.0E+1") rewritten as the integer it equals ("100", "-30"), in
// new maps and slices (v is not changed). JSON Schema counts such a number as an integer, so it
// passes "type": "integer"; scripts must then see the int, not a float that breaks "%d" or
// range(). Non-integral numbers and other values are kept.
func NormalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = NormalizeNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = NormalizeNumbers(e)
		}
		return out
	case json.Number:
		if n, ok := integral(string(t)); ok {
			return json.Number(n)
		}
		return t
	case float64:
		if s := strconv.FormatFloat(t, 'f', -1, 64); !strings.Contains(s, ".") && len(s) <= maxIntegralLen {
			return json.Number(s)
		}
		return t
	}
	return v
}

// integral returns the decimal integer a float-spelled JSON number equals, if it is one.
func integral(s string) (string, bool) {
	if !strings.ContainsAny(s, ".eE") || len(s) > maxIntegralLen {
		return "", false
	}
	// Bound the exponent before big.Rat expands it: 1e1000000 is not worth a megabyte.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(s[i+1:])
		if err != nil || exp > maxIntegralLen || exp < -maxIntegralLen {
			return "", false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return "", false
	}
	n := r.Num().String()
	if len(n) > maxIntegralLen {
		return "", false
	}
	return n, true
}

// maxNumberLen and maxExponent bound the numbers an intent may hold: no schema needs more, and
// the schema validator expands what it is given (1e999999999 made it panic).
const (
	maxNumberLen = 400
	maxExponent  = 400
)

// checkNumbers returns a field error for every number in v (decoded with UseNumber) longer
// than maxNumberLen characters or with an exponent beyond ±maxExponent, appended to out.
func checkNumbers(v any, ptr string, out []FieldError) []FieldError {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			out = checkNumbers(e, ptr+"/"+escapeToken(k), out)
		}
	case []any:
		for i, e := range t {
			out = checkNumbers(e, ptr+"/"+strconv.Itoa(i), out)
		}
	case json.Number:
		s := string(t)
		ok := len(s) <= maxNumberLen
		if i := strings.IndexAny(s, "eE"); ok && i >= 0 {
			exp, err := strconv.Atoi(s[i+1:])
			ok = err == nil && exp <= maxExponent && exp >= -maxExponent
		}
		if !ok {
			out = append(out, FieldError{Pointer: ptr, Message: "number out of range"})
		}
	}
	return out
}
