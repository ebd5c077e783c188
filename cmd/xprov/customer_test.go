package main

import (
	"strings"
	"testing"

	"github.com/xprov/xprov/ui/rest/resttest"
)

func TestCLICustomers(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	svc := `{"customer":"CUST-42","endpoints":[{"device":"pe1","port":"ge-0/0/1","vlan":100},{"device":"sr1","port":"1/1/1","vlan":100}]}`
	tests := []struct {
		name string
		role string
		args []string
		code int
		want []string
	}{
		{"create", "operator", []string{"customer", "create", "CUST-42", "--name", "ACME", "--sam-id", "42"}, 0, []string{"CUST-42", "ACME", "42", `ETag "1"`}},
		{"create taken", "operator", []string{"customer", "create", "CUST-42", "--name", "again"}, 4, []string{"409"}},
		{"create invalid", "operator", []string{"customer", "create", "CUST-43"}, 3, []string{"name"}},
		{"service", "operator", []string{"service", "create", "--type", "eline", "--id", "s42", "--intent", svc}, 0, []string{"succeeded"}},
		{"show", "viewer", []string{"customer", "show", "CUST-42"}, 0, []string{"ACME", "SERVICE", "s42", "eline", "active"}},
		{"show json", "viewer", []string{"customer", "show", "CUST-42", "-o", "json"}, 0, []string{`"sam_id": "42"`, `"services"`, `"s42"`}},
		{"update name keeps SAM id", "operator", []string{"customer", "update", "CUST-42", "--name", "ACME Corp"}, 0, []string{"ACME Corp", "42", `ETag "2"`}},
		{"update stale", "operator", []string{"customer", "update", "CUST-42", "--name", "x", "--if-match", `"1"`}, 4, []string{"412"}},
		{"update forbidden", "viewer", []string{"customer", "update", "CUST-42", "--name", "x"}, 1, []string{"403"}},
		{"list", "viewer", []string{"customer", "list"}, 0, []string{"ID", "CUST-42", "ACME Corp"}},
		{"delete stale", "operator", []string{"customer", "delete", "CUST-42", "--if-match", `"1"`}, 4, []string{"412"}},
		{"delete", "operator", []string{"customer", "delete", "CUST-42"}, 0, []string{"deleted customer CUST-42"}},
		{"show gone", "viewer", []string{"customer", "show", "CUST-42"}, 1, []string{"404"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runCLI(t, env, tc.role, tc.args...)
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
