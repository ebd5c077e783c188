package junos

import (
	"encoding/xml"
	"testing"

	"github.com/Juniper/go-netconf/netconf"

	"github.com/xprov/xprov/adapters/config"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		ok       bool
		errs     []string // messages
		warnings int
		path     string
	}{
		{name: "ok", raw: `<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0" message-id="1"><ok/></rpc-reply>`, ok: true},
		{name: "ok prefixed", raw: `<nc:rpc-reply xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><nc:ok/></nc:rpc-reply>`, ok: true},
		{name: "top-level error", raw: `<rpc-reply><rpc-error><error-type>protocol</error-type><error-tag>lock-denied</error-tag><error-severity>error</error-severity><error-message>locked</error-message><error-info><session-id>42</session-id></error-info></rpc-error></rpc-reply>`, errs: []string{"locked"}},
		{name: "nested in load-configuration-results", raw: `<rpc-reply xmlns:junos="http://xml.juniper.net/junos/21.4R0/junos"><load-configuration-results><rpc-error><error-severity>error</error-severity><error-path>[edit interfaces]</error-path><error-message>
syntax error
</error-message><error-info><bad-element>foo</bad-element></error-info></rpc-error><ok/></load-configuration-results></rpc-reply>`, ok: true, errs: []string{"syntax error"}, path: "[edit interfaces]"},
		{name: "nested in commit-results", raw: `<rpc-reply><commit-results><routing-engine><name>re0</name><rpc-error><error-severity>error</error-severity><error-message>missing mandatory statement: 'route-distinguisher'</error-message></rpc-error></routing-engine></commit-results></rpc-reply>`, errs: []string{"missing mandatory statement: 'route-distinguisher'"}},
		{name: "xnm error", raw: `<rpc-reply xmlns:xnm="http://xml.juniper.net/xnm/1.1/xnm"><commit-results><xnm:error><edit-path>[edit protocols]</edit-path><statement>l2circuit</statement><message>commit failed</message></xnm:error></commit-results></rpc-reply>`, errs: []string{"commit failed"}, path: "[edit protocols]"},
		{name: "warning only", raw: `<rpc-reply><load-configuration-results><rpc-error><error-severity>warning</error-severity><error-message>statement not found</error-message></rpc-error><ok/></load-configuration-results></rpc-reply>`, ok: true, warnings: 1},
		{name: "ok inside data is data", raw: `<rpc-reply><data><configuration><ok/></configuration></data></rpc-reply>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseReply([]byte(tc.raw))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK != tc.ok {
				t.Errorf("OK = %v, want %v", r.OK, tc.ok)
			}
			if len(r.Errors) != len(tc.errs) {
				t.Fatalf("errors = %+v, want %q", r.Errors, tc.errs)
			}
			for i, m := range tc.errs {
				if r.Errors[i].Message != m {
					t.Errorf("error %d = %q, want %q", i, r.Errors[i].Message, m)
				}
			}
			if tc.path != "" && r.Errors[0].Path != tc.path {
				t.Errorf("path = %q, want %q", r.Errors[0].Path, tc.path)
			}
			if len(r.Warnings) != tc.warnings {
				t.Errorf("warnings = %+v, want %d", r.Warnings, tc.warnings)
			}
		})
	}
}

// TestGoNetconfTraps pins the go-netconf behaviour the adapter works around, so an upgrade
// that fixes it is noticed.
func TestGoNetconfTraps(t *testing.T) {
	t.Run("Ok never set", func(t *testing.T) {
		var r netconf.RPCReply
		if err := xml.Unmarshal([]byte(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>`), &r); err != nil {
			t.Fatal(err)
		}
		if r.Ok {
			t.Error("go-netconf now sets Ok; the adapter's own <ok/> check may be dropped")
		}
		mine, _ := ParseReply([]byte(`<rpc-reply xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><ok/></rpc-reply>`))
		if !mine.OK {
			t.Error("ParseReply missed <ok/>")
		}
	})
	t.Run("nested rpc-error not reported", func(t *testing.T) {
		raw := `<rpc-reply><commit-results><rpc-error><error-severity>error</error-severity><error-message>bad</error-message></rpc-error></commit-results></rpc-reply>`
		var r netconf.RPCReply
		if err := xml.Unmarshal([]byte(raw), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.Errors) != 0 {
			t.Error("go-netconf now reports nested rpc-errors")
		}
		mine, _ := ParseReply([]byte(raw))
		if len(mine.Errors) != 1 {
			t.Errorf("ParseReply found %d errors, want 1", len(mine.Errors))
		}
	})
}

func FuzzParseReply(f *testing.F) {
	f.Add([]byte(`<rpc-reply><ok/></rpc-reply>`))
	f.Add([]byte(`<rpc-reply><load-configuration-results><rpc-error><error-severity>error</error-severity><error-message>x</error-message></rpc-error></load-configuration-results></rpc-reply>`))
	f.Add([]byte(`<rpc-reply><data><configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>1</name><vlan-id>5</vlan-id></unit></interface></interfaces></configuration></data></rpc-reply>`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ParseReply(raw)
		if err != nil {
			return
		}
		for _, e := range r.Errors {
			if e.Severity == "warning" {
				t.Fatal("warning classified as error")
			}
		}
		if data := r.Root.Child("data"); data != nil {
			var out []config.Leaf
			leavesOf(data, nil, &out)
			for _, l := range out {
				if _, err := config.ParsePath(l.Path.String()); err != nil {
					t.Fatalf("leaf path %q does not round-trip: %v", l.Path, err)
				}
			}
		}
	})
}
