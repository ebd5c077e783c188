package pack

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestNormalizeNumbers(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"1e2", "100"},
		{"100.0", "100"},
		{"-3.0E+1", "-30"},
		{"1.5e1", "15"},
		{"-0.0", "0"},
		{"100", "100"},
		{"1.5", "1.5"},
		{"1e-2", "1e-2"},
		{"1e400", "1e400"},               // exponent beyond the bound: kept, the schema refuses it
		{"1e1000000000", "1e1000000000"}, // never expanded
		{"9007199254740993.0", "9007199254740993"},
		{"123456789012345678901234567890.0", "123456789012345678901234567890"},
		{"1." + strings.Repeat("0", 100), "1." + strings.Repeat("0", 100)}, // too long: kept
	}
	for _, tc := range tests {
		got := NormalizeNumbers(json.Number(tc.in))
		if got != json.Number(tc.want) {
			t.Errorf("NormalizeNumbers(%s) = %v, want %s", tc.in, got, tc.want)
		}
	}
	in := map[string]any{"vlan": json.Number("1e2"), "eps": []any{map[string]any{"mtu": json.Number("9000.0")}, "x", true, nil}}
	want := map[string]any{"vlan": json.Number("100"), "eps": []any{map[string]any{"mtu": json.Number("9000")}, "x", true, nil}}
	if got := NormalizeNumbers(in); !reflect.DeepEqual(got, want) {
		t.Errorf("NormalizeNumbers(%v) = %v, want %v", in, got, want)
	}
	if in["vlan"] != json.Number("1e2") {
		t.Errorf("NormalizeNumbers changed its input: %v", in)
	}
	if got := NormalizeNumbers(float64(100)); got != json.Number("100") {
		t.Errorf("NormalizeNumbers(100.0 as float64) = %v", got)
	}
}
