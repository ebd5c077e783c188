package audit_test

import (
	"fmt"
	"testing"

	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/engine/audit"
	"github.com/xprov/xprov/engine/diff"
)

// TestRestoreShared: a re-deploy of a service on a port whose tagging and encapsulation the
// device lost (shared with another service) puts them back with its unit; nodes the device
// still holds, or the diff already creates, are not created twice.
func TestRestoreShared(t *testing.T) {
	leaf := func(p, v string) config.Leaf {
		t.Helper()
		return config.Leaf{Path: mustPath(t, p), Value: v}
	}
	port := "interfaces/interface[ge-0/0/1]"
	want := []config.Leaf{leaf(port, ""), leaf(port+"/flexible-vlan-tagging", ""), leaf(port+"/encapsulation", "flexible-ethernet-services"),
		leaf(port+"/unit[100]", ""), leaf(port+"/unit[100]/vlan-id", "100")}
	// The device lost everything of the port but its entry; another service shares the port's
	// nodes with the same values.
	actual := []config.Leaf{leaf(port, "")}
	others := diff.MapOthers{
		port:                            {{Service: "b", Value: ""}},
		port + "/flexible-vlan-tagging": {{Service: "b", Value: ""}},
		port + "/encapsulation":         {{Service: "b", Value: "flexible-ethernet-services"}},
	}
	cs, err := diff.Compute("pe1", actual, want, others)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(changes(cs)); got != "[create "+port+"/unit[100] create "+port+"/unit[100]/vlan-id]" {
		t.Fatalf("the diff alone: %s", got)
	}
	got := changes(audit.RestoreShared(cs, actual, want))
	wantChanges := []string{"create " + port + "/encapsulation", "create " + port + "/flexible-vlan-tagging",
		"create " + port + "/unit[100]", "create " + port + "/unit[100]/vlan-id"}
	if fmt.Sprint(got) != fmt.Sprint(wantChanges) {
		t.Fatalf("restored: %v\nwant %v", got, wantChanges)
	}
	// Nothing lost: nothing added.
	if got := changes(audit.RestoreShared(config.ChangeSet{Target: "pe1"}, want, want)); len(got) != 0 {
		t.Fatalf("in sync: %v", got)
	}
}

func changes(cs config.ChangeSet) []string {
	var out []string
	for _, c := range cs.Changes {
		out = append(out, string(c.Op)+" "+c.Path.String())
	}
	return out
}
