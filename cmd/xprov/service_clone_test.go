package main

import (
	"strings"
	"testing"

	"github.com/xprov/xprov/ui/rest/resttest"
)

func TestCLIClone(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	src := `{"customer":"acme","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"sr1","port":"1/1/1","vlan":100}]}`
	patch := `{"endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":101},{"device":"sr1","port":"1/1/1","vlan":101}]}`
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"source", []string{"service", "create", "--type", "eline", "--id", "src", "--intent", src}, 0, []string{"succeeded"}},
		{"usage: no id", []string{"service", "clone", "src"}, 2, []string{"--id is required"}},
		{"dry-run", []string{"service", "clone", "src", "--id", "c2", "--dry-run", "--patch", patch}, 0, []string{"plan", "unit[101]/vlan-id = 101"}},
		{"clash without a patch", []string{"service", "clone", "src", "--id", "c1"}, 4, []string{"409"}},
		{"clone", []string{"service", "clone", "src", "--id", "c2", "--patch", patch}, 0, []string{"create", "succeeded"}},
		{"the clone", []string{"service", "get", "c2"}, 0, []string{"c2", "active", "acme"}},
		{"unknown source", []string{"service", "clone", "nope", "--id", "c3"}, 1, []string{"404"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, env, "operator", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
