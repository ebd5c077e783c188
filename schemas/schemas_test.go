package schemas

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

func TestCommonDefs(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	b, ok := ByURL(CommonURL)
	if !ok {
		t.Fatal("common.json not embedded")
	}
	if err := c.AddResource(CommonURL, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		def  string
		ok   []string
		bad  []string
	}{
		{"vlanId", "vlanId", []string{`1`, `4094`}, []string{`0`, `4095`, `"100"`}},
		{"vlanIdOrAuto", "vlanIdOrAuto", []string{`100`, `"auto"`, `null`}, []string{`"x"`, `5000`}},
		{"mtu", "mtu", []string{`576`, `9192`}, []string{`575`, `9193`}},
		{"ipv4Prefix", "ipv4Prefix", []string{`"10.0.0.0/8"`, `"192.0.2.0/24"`}, []string{`"10.0.0.0"`, `"300.0.0.0/8"`, `"10.0.0.0/33"`}},
		{"ipv4Address", "ipv4Address", []string{`"10.0.0.1"`}, []string{`"10.0.0.256"`}},
		{"routeDistinguisher", "routeDistinguisher", []string{`"65000:100"`, `"10.255.1.1:7"`}, []string{`"65000"`, `"a:1"`}},
		{"routeTarget", "routeTarget", []string{`"target:65000:1"`, `"65000:1"`}, []string{`"target:x"`}},
		{"junosPort", "junosPort", []string{`"ge-0/0/1"`, `"xe-0/1/0:2"`, `"ae3"`}, []string{`"1/1/1"`, `"ge-0/0"`}},
		{"srosPort", "srosPort", []string{`"1/1/1"`, `"1/1/c1/1"`, `"lag-3"`}, []string{`"ge-0/0/1"`, `"1/1"`}},
		{"port", "port", []string{`"ge-0/0/1"`, `"1/2/3"`}, []string{`"eth0"`}},
		{"description", "description", []string{`"HQ to branch (fibre) #2"`}, []string{`""`, `"a;b"`, `"quote\""`}},
		{"bandwidthProfile", "bandwidthProfile", []string{`"1G"`}, []string{`"3G"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := c.Compile(CommonURL + "#/$defs/" + tt.def)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tt.ok {
				if err := s.Validate(decode(t, v)); err != nil {
					t.Errorf("%s rejected: %v", v, err)
				}
			}
			for _, v := range tt.bad {
				if err := s.Validate(decode(t, v)); err == nil {
					t.Errorf("%s accepted", v)
				}
			}
		})
	}
}

func TestMetaSchemasCompile(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	for _, u := range []string{PackURL, FormURL} {
		b, _ := ByURL(u)
		if err := c.AddResource(u, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Compile(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
