package model

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/junos-model.md")

const referencePage = "../../../docs/junos-model.md"

// TestReferenceIsCurrent: docs/junos-model.md is what Reference generates from the model.
func TestReferenceIsCurrent(t *testing.T) {
	want := Reference()
	if *update {
		if err := os.WriteFile(referencePage, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(referencePage)
	if err != nil {
		t.Fatalf("%v (generate it: go test ./adapters/junos/model -run TestReferenceIsCurrent -update)", err)
	}
	if string(got) != want {
		t.Fatal("docs/junos-model.md is not what the model generates; run: go test ./adapters/junos/model -run TestReferenceIsCurrent -update")
	}
}
