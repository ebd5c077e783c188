package builtins

import (
	"testing"

	"go.starlark.net/starlark"
)

// eval evaluates one Starlark expression with the predeclared builtins.
func eval(t *testing.T, expr string) (string, error) {
	t.Helper()
	v, err := starlark.EvalOptions(fileOptionsForTest, &starlark.Thread{Name: "test"}, "test.star", expr, Predeclared())
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

func TestIP(t *testing.T) {
	tests := []struct {
		name, expr, want, err string
	}{
		{"valid address", `ip.is_valid("192.0.2.1")`, "True", ""},
		{"valid prefix", `ip.is_valid("2001:db8::1/64")`, "True", ""},
		{"invalid", `ip.is_valid("192.0.2.256")`, "False", ""},
		{"invalid length", `ip.is_valid("192.0.2.1/33")`, "False", ""},
		{"zone", `ip.is_valid("fe80::1%eth0")`, "False", ""},
		{"parse canonical v6", `ip.parse("2001:DB8:0::01/64")`, `"2001:db8::1/64"`, ""},
		{"parse address", `ip.parse("10.0.0.1")`, `"10.0.0.1"`, ""},
		{"parse bad", `ip.parse("10.0.0")`, "", `ip.parse: "10.0.0" is not an IP address or prefix`},
		{"is_ipv4", `ip.is_ipv4("10.0.0.0/8")`, "True", ""},
		{"is_ipv4 v6", `ip.is_ipv4("::1")`, "False", ""},
		{"address", `ip.address("192.0.2.1/30")`, `"192.0.2.1"`, ""},
		{"prefixlen", `ip.prefixlen("192.0.2.1/30")`, "30", ""},
		{"prefixlen bare", `ip.prefixlen("2001:db8::1")`, "128", ""},
		{"network", `ip.network("192.0.2.1/30")`, `"192.0.2.0/30"`, ""},
		{"network v6", `ip.network("2001:db8::1/64")`, `"2001:db8::/64"`, ""},
		{"broadcast", `ip.broadcast("192.0.2.1/30")`, `"192.0.2.3"`, ""},
		{"broadcast /20", `ip.broadcast("10.1.16.0/20")`, `"10.1.31.255"`, ""},
		{"broadcast v6", `ip.broadcast("2001:db8::/126")`, `"2001:db8::3"`, ""},
		{"host", `ip.host("10.0.0.0/30", 1)`, `"10.0.0.1/30"`, ""},
		{"host from host bits", `ip.host("10.0.0.5/30", 2)`, `"10.0.0.6/30"`, ""},
		{"host last", `ip.host("10.0.0.0/30", -1)`, `"10.0.0.3/30"`, ""},
		{"host carry", `ip.host("10.0.0.0/16", 256)`, `"10.0.1.0/16"`, ""},
		{"host v6", `ip.host("2001:db8::/64", 1)`, `"2001:db8::1/64"`, ""},
		{"host out of range", `ip.host("10.0.0.0/30", 4)`, "", "ip.host: 10.0.0.0/30 has 4 addresses; 4 is outside it"},
		{"host below", `ip.host("10.0.0.0/30", -5)`, "", "ip.host: 10.0.0.0/30 has 4 addresses; -5 is outside it"},
		{"host of address", `ip.host("10.0.0.1", 1)`, "", `ip.host: "10.0.0.1" is an address, want a prefix (10.0.0.1/len)`},
		{"host bad", `ip.host("x/30", 1)`, "", `ip.host: "x/30" is not an IP address or prefix`},
		{"contains", `ip.contains("192.0.2.1/30", "192.0.2.2")`, "True", ""},
		{"contains not", `ip.contains("192.0.2.1/30", "192.0.2.4")`, "False", ""},
		{"contains prefix", `ip.contains("10.0.0.0/8", "10.1.0.0/16")`, "True", ""},
		{"contains wider", `ip.contains("10.1.0.0/16", "10.0.0.0/8")`, "False", ""},
		{"contains family", `ip.contains("10.0.0.0/8", "::1")`, "False", ""},
		{"contains bad", `ip.contains("10.0.0.0/8", "10.0.0.300")`, "", `ip.contains: "10.0.0.300" is not an IP address or prefix`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eval(t, tt.expr)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
			}
		})
	}
}
