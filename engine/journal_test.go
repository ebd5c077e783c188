package engine

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

// TestJournalLeaves checks the journal's compact form of a service's configuration: it
// round-trips exactly (keys with brackets, slashes and backslashes, empty values, keyed
// entries with an empty key) and entries journaled in the older form (config.Leaf objects)
// still decode, so a run journaled before an upgrade recovers after it.
func TestJournalLeaves(t *testing.T) {
	p := func(s string) config.Path {
		path, err := config.ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
	in := journalLeaves{
		"pe1": {
			{Path: p("interfaces/interface[ge-0/0/1]")},
			{Path: p("interfaces/interface[ge-0/0/1]/unit[100]/vlan-id"), Value: "100"},
			{Path: p(`policy-options/community[a\]b\\c/d]/members[target:65000:1]`)},
			{Path: config.Path{{Name: "x", Keyed: true}, {Name: "y"}}, Value: "with \"quotes\" and = signs"},
		},
		"sam1": {{Path: p("vpls.Vpls[1000]/vpls.Site[10.255.2.1]/administrativeState"), Value: "up"}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out journalLeaves
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n in %v\nout %v\n(%s)", in, out, b)
	}

	old, err := json.Marshal(map[string][]config.Leaf(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(old) < 2*len(b) {
		t.Errorf("compact form is %d bytes, the older one %d: expected at most half", len(b), len(old))
	}
	var fromOld journalLeaves
	if err := json.Unmarshal(old, &fromOld); err != nil {
		t.Fatalf("decode older form: %v", err)
	}
	if !reflect.DeepEqual(in, fromOld) {
		t.Fatalf("older form:\n in %v\nout %v", in, fromOld)
	}

	for _, bad := range []string{`{"pe1":[[]]}`, `{"pe1":[["a","b","c"]]}`, `{"pe1":[["a//b"]]}`, `{"pe1":[7]}`, `[]`} {
		var j journalLeaves
		if err := json.Unmarshal([]byte(bad), &j); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
	}
}
