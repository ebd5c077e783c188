package pack

import (
	"errors"
	"testing"
)

// FuzzValidate: any JSON intent is valid or a *ValidationError with pointers, never a panic
// or another error (the schema validator panicked on 1e999999999).
func FuzzValidate(f *testing.F) {
	p, err := Load(exampleDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		`{"customer": "acme", "endpoints": [{"device": "pe1", "port": "ge-0/0/1", "vlan": 1e2}, {"device": "pe2", "port": "ge-0/0/1"}]}`,
		`{"customer": "acme", "mtu": 1e999999999, "endpoints": []}`,
		`{"customer": "acme", "mtu": -1e-400, "endpoints": [{"vlan": 0.1e5}]}`,
		`{"customer": "acme", "mtu": 123456789012345678901234567890, "endpoints": [{}]}`,
		`[1, "a", null, true, {"x": 1.0}]`,
		`"auto"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeIntent(data)
		if err != nil {
			return
		}
		err = p.Validate(NormalizeNumbers(v))
		var ve *ValidationError
		if err != nil && (!errors.As(err, &ve) || len(ve.Fields) == 0) {
			t.Fatalf("Validate(%q): %v", data, err)
		}
		if err2 := p.Validate(v); (err == nil) != (err2 == nil) {
			t.Fatalf("Validate(%q): normalised %v, as given %v", data, err, err2)
		}
	})
}
