package store

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestLeavesEncoding(t *testing.T) {
	var many []OwnedLeaf
	for i := range 40 {
		many = append(many, OwnedLeaf{Target: "pe1", Path: fmt.Sprintf("interfaces/interface[ge-0/0/%d]/unit[%d]/description", i%3, i), Value: "E-LINE for customer 42"})
	}
	tests := []struct {
		name    string
		leaves  []OwnedLeaf
		want    []OwnedLeaf // normalized; nil means leaves
		version byte
	}{
		{"empty", nil, nil, leavesPlain},
		{"one", []OwnedLeaf{{Target: "pe1", Path: "a", Value: "1"}}, nil, leavesPlain},
		{"unsorted with a duplicate: the last wins",
			[]OwnedLeaf{{Target: "pe1", Path: "b/c", Value: "2"}, {Target: "pe1", Path: "a", Value: "1"}, {Target: "pe1", Path: "b/c", Value: "3"}, {Target: "pe1", Path: "b"}},
			[]OwnedLeaf{{Target: "pe1", Path: "a", Value: "1"}, {Target: "pe1", Path: "b"}, {Target: "pe1", Path: "b/c", Value: "3"}}, leavesPlain},
		{"binary values and paths", []OwnedLeaf{{Target: "pe1", Path: "x\x00y", Value: "\xff\x00"}, {Target: "pe1", Path: "x\x00z", Value: ""}}, nil, leavesPlain},
		{"long: deflated", many, nil, leavesDeflated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == nil {
				want = normalizeLeaves(tt.leaves)
			}
			b := encodeLeaves(normalizeLeaves(tt.leaves))
			if b[0] != tt.version {
				t.Errorf("version %d, want %d", b[0], tt.version)
			}
			got, err := decodeLeaves("pe1", b)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 || len(want) != 0 {
				if !slices.Equal(got, want) {
					t.Fatalf("decoded %v, want %v", got, want)
				}
			}
		})
	}
}

func TestLeavesMalformed(t *testing.T) {
	good := encodeLeaves([]OwnedLeaf{{Path: "interfaces/interface[ge-0/0/1]", Value: "v"}, {Path: "interfaces/interface[ge-0/0/1]/mtu", Value: "9000"}})
	tests := []struct {
		name string
		b    []byte
	}{
		{"nil", nil},
		{"unknown version", []byte{9, 0, 1, 'a', 0}},
		{"truncated", good[:len(good)-3]},
		{"prefix longer than the previous path", []byte{leavesPlain, 5, 1, 'a', 0}},
		{"bad deflate", []byte{leavesDeflated, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeLeaves("pe1", tt.b); !errors.Is(err, errBadLeaves) {
				t.Fatalf("error %v, want errBadLeaves", err)
			}
		})
	}
}
