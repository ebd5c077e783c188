package memory_test

import (
	"errors"
	"testing"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/adapters/adaptertest"
	"github.com/xprov/xprov/adapters/config"
	"github.com/xprov/xprov/adapters/memory"
)

func mustPath(t *testing.T, s string) config.Path {
	t.Helper()
	p, err := config.ParsePath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConformance(t *testing.T) {
	for _, direct := range []bool{false, true} {
		name := "candidate"
		if direct {
			name = "direct"
		}
		t.Run(name, func(t *testing.T) {
			adaptertest.Run(t, func(t *testing.T) adaptertest.Harness {
				lv := func(s, v string) config.Leaf { return config.Leaf{Path: mustPath(t, s), Value: v} }
				d := memory.New(memory.Options{
					Name:   "pe1",
					Direct: direct,
					Devices: []adapters.Device{{Name: "pe1", Vendor: "junos", Address: "10.255.1.1",
						Ports: []adapters.Port{{Name: "ge-0/0/1", AdminUp: true, OperUp: true}}}},
					Validate: func(ls []config.Leaf) error {
						for _, l := range ls {
							if l.Path.Last().Name == "vlan-id" && l.Value == "0" {
								return errors.New("vlan-id 0 is out of range")
							}
						}
						return nil
					},
				})
				return adaptertest.Harness{
					Target: d,
					Sample: []config.Leaf{
						lv("interfaces/interface[ge-0/0/1]/unit[100]", ""),
						lv("interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "100"),
					},
					Update:    []config.Leaf{lv("interfaces/interface[ge-0/0/1]/unit[100]/vlan-id", "200")},
					Invalid:   []config.Leaf{lv("interfaces/interface[ge-0/0/2]/unit[7]/vlan-id", "0")},
					Roots:     []config.Path{mustPath(t, "interfaces/interface[ge-0/0/1]/unit[100]")},
					Device:    "pe1",
					OpCommand: "show configuration",
				}
			})
		})
	}
}

func TestLoseSessionsRevertsCandidateKeepsDirect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		direct bool
		want   int
	}{{"candidate", false, 0}, {"direct", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			d := memory.New(memory.Options{Name: "x", Direct: tc.direct})
			tx, err := d.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			cs := config.ChangeSet{Target: "x", Changes: []config.Change{{Op: config.Create, Path: mustPath(t, "a"), Value: "1"}}}
			if err := tx.Prepare(t.Context(), cs, adapters.PrepareOptions{}); err != nil {
				t.Fatal(err)
			}
			d.LoseSessions()
			if got := len(d.Leaves()); got != tc.want {
				t.Fatalf("after lost session: %d leaves, want %d", got, tc.want)
			}
			// The lock was released.
			tx2, err := d.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			_ = tx2.Rollback(t.Context())
		})
	}
}
