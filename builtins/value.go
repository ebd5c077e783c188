package builtins

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

// ToStarlark converts a JSON value (as produced by encoding/json, preferably with UseNumber)
// into Starlark: objects become dicts with keys inserted in sorted order, arrays lists,
// json.Number integers exact ints (of any size), other numbers floats, null None. The result
// is not frozen.
func ToStarlark(v any) (starlark.Value, error) {
	return toStarlark(v, "")
}

func toStarlark(v any, at string) (starlark.Value, error) {
	switch t := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(t), nil
	case string:
		return starlark.String(t), nil
	case int:
		return starlark.MakeInt(t), nil
	case int64:
		return starlark.MakeInt64(t), nil
	case float64:
		return starlark.Float(t), nil
	case json.Number:
		return numberToStarlark(t, at)
	case *big.Int:
		return starlark.MakeBigInt(t), nil
	case []any:
		out := make([]starlark.Value, len(t))
		for i, e := range t {
			sv, err := toStarlark(e, at+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out[i] = sv
		}
		return starlark.NewList(out), nil
	case []string:
		out := make([]starlark.Value, len(t))
		for i, e := range t {
			out[i] = starlark.String(e)
		}
		return starlark.NewList(out), nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			sv, err := toStarlark(t[k], at+"/"+escapePointer(k))
			if err != nil {
				return nil, err
			}
			if err := d.SetKey(starlark.String(k), sv); err != nil {
				return nil, err
			}
		}
		return d, nil
	case map[string]string:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := starlark.NewDict(len(keys))
		for _, k := range keys {
			_ = d.SetKey(starlark.String(k), starlark.String(t[k]))
		}
		return d, nil
	case starlark.Value:
		return t, nil
	}
	return nil, fmt.Errorf("json to starlark: %s: unsupported Go type %T", pointerOrRoot(at), v)
}

func numberToStarlark(n json.Number, at string) (starlark.Value, error) {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return starlark.MakeInt64(i), nil
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("json to starlark: %s: bad number %q", pointerOrRoot(at), s)
		}
		return starlark.MakeBigInt(b), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("json to starlark: %s: bad number %q: %w", pointerOrRoot(at), s, err)
	}
	return starlark.Float(f), nil
}

// FromStarlark converts a Starlark value into JSON-shaped Go values: dicts (string keys only)
// and structs become map[string]any, lists and tuples []any, ints int64 (json.Number beyond
// 64 bits), floats float64 (finite only), strings, bools and None nil. Anything else is an
// error naming the JSON pointer where it was found.
func FromStarlark(v starlark.Value) (any, error) {
	return fromStarlark(v, "")
}

func fromStarlark(v starlark.Value, at string) (any, error) {
	switch t := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(t), nil
	case starlark.String:
		return string(t), nil
	case starlark.Int:
		if i, ok := t.Int64(); ok {
			return i, nil
		}
		return json.Number(t.String()), nil
	case starlark.Float:
		f := float64(t)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s: %s is not a JSON number", pointerOrRoot(at), t.String())
		}
		return f, nil
	case *starlark.List:
		out := make([]any, t.Len())
		for i := range out {
			e, err := fromStarlark(t.Index(i), at+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case starlark.Tuple:
		out := make([]any, len(t))
		for i, x := range t {
			e, err := fromStarlark(x, at+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case *starlark.Dict:
		out := make(map[string]any, t.Len())
		for _, item := range t.Items() {
			k, ok := item[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("%s: dict key %s is a %s, want a string", pointerOrRoot(at), item[0].String(), item[0].Type())
			}
			e, err := fromStarlark(item[1], at+"/"+escapePointer(string(k)))
			if err != nil {
				return nil, err
			}
			out[string(k)] = e
		}
		return out, nil
	case *starlarkstruct.Struct:
		names := t.AttrNames()
		out := make(map[string]any, len(names))
		for _, n := range names {
			av, err := t.Attr(n)
			if err != nil {
				return nil, err
			}
			e, err := fromStarlark(av, at+"/"+escapePointer(n))
			if err != nil {
				return nil, err
			}
			out[n] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: a %s cannot be converted to JSON", pointerOrRoot(at), v.Type())
}

// escapePointer escapes one JSON pointer token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func pointerOrRoot(p string) string {
	if p == "" {
		return "(root)"
	}
	return p
}

func sortDevices(ds []adapters.Device) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Name < ds[j].Name })
}
