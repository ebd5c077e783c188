package pack

import (
	"encoding/json"
	"errors"
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

// TestValidateOutOfRangeNumbers: numbers the schema validator cannot take are a field error,
// not a panic (1e999999999 panicked inside jsonschema).
func TestValidateOutOfRangeNumbers(t *testing.T) {
	p, err := Load(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		intent string
		ptrs   []string
	}{
		{`{"customer": "acme", "mtu": 1e999999999, "endpoints": []}`, []string{"/mtu"}},
		{`{"customer": "acme", "mtu": 1e-999999999, "endpoints": [{"vlan": 1E401}]}`, []string{"/endpoints/0/vlan", "/mtu"}},
		{`{"customer": "acme", "mtu": 1` + strings.Repeat("0", 500) + `, "endpoints": []}`, []string{"/mtu"}},
	}
	for _, tc := range tests {
		v, err := DecodeIntent([]byte(tc.intent))
		if err != nil {
			t.Fatal(err)
		}
		var ve *ValidationError
		if err := p.Validate(v); !errors.As(err, &ve) {
			t.Fatalf("%.80s: %v", tc.intent, err)
		}
		var got []string
		for _, f := range ve.Fields {
			got = append(got, f.Pointer)
		}
		if !reflect.DeepEqual(got, tc.ptrs) {
			t.Errorf("%.80s: errors at %v, want %v", tc.intent, got, tc.ptrs)
		}
	}
	// In range, the schema decides (and 1e2 is an integer to it).
	v, _ := DecodeIntent([]byte(`{"customer": "acme", "mtu": 1.5e3, "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 1e2}, {"device": "pe2", "port": "ge-0/0/1"}]}`))
	if err := p.Validate(v); err != nil {
		t.Errorf("integral floats: %v", err)
	}
}
