package builtins

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   string
		repr string // Starlark repr after ToStarlark
		out  any    // FromStarlark result
	}{
		{"sorted keys", `{"b": 1, "a": {"z": true, "y": null}}`, `{"a": {"y": None, "z": True}, "b": 1}`,
			map[string]any{"a": map[string]any{"y": nil, "z": true}, "b": int64(1)}},
		{"big integer exact", `{"n": 123456789012345678901234567890}`, `{"n": 123456789012345678901234567890}`,
			map[string]any{"n": json.Number("123456789012345678901234567890")}},
		{"float", `[1.5, 2e3]`, `[1.5, 2000.0]`, []any{1.5, 2000.0}},
		{"strings and lists", `["a", ["b"]]`, `["a", ["b"]]`, []any{"a", []any{"b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(tt.in))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			sv, err := ToStarlark(v)
			if err != nil {
				t.Fatal(err)
			}
			if got := sv.String(); got != tt.repr {
				t.Errorf("repr %s, want %s", got, tt.repr)
			}
			back, err := FromStarlark(sv)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.out) {
				t.Errorf("back %#v, want %#v", back, tt.out)
			}
		})
	}
}

func TestFromStarlarkErrors(t *testing.T) {
	d := starlark.NewDict(1)
	_ = d.SetKey(starlark.MakeInt(1), starlark.None)
	fn := starlark.NewBuiltin("f", nil)
	list := starlark.NewList([]starlark.Value{fn})
	outer := starlark.NewDict(1)
	_ = outer.SetKey(starlark.String("x/y"), list)
	tests := []struct {
		name string
		v    starlark.Value
		want string
	}{
		{"non-string key", d, "(root): dict key 1 is a int, want a string"},
		{"function, with its pointer", outer, "/x~1y/0: a builtin_function_or_method cannot be converted to JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromStarlark(tt.v)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %s", err, tt.want)
			}
		})
	}
}

func TestPredeclaredFrozen(t *testing.T) {
	d := Predeclared()
	for _, name := range []string{"pools", "inventory", "log", "fail", "struct", "json"} {
		if _, ok := d[name]; !ok {
			t.Errorf("missing %s", name)
		}
	}
	if _, ok := d["pools"].(*starlarkstruct.Module); !ok {
		t.Fatalf("pools is a %T, want a module", d["pools"])
	}
}
