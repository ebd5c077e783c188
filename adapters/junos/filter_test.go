package junos

import (
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

// TestFilterXML checks that Fetch asks the device for the subtrees of its paths only: list
// entries are selected by key, so the device never has to send (or walk) the rest.
func TestFilterXML(t *testing.T) {
	path := func(s string) config.Path {
		p, err := config.ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		paths []string
		want  string
		ok    bool
	}{
		{name: "no paths: no filter", paths: nil, ok: false},
		{
			name:  "one unit",
			paths: []string{"interfaces/interface[ge-0/0/1]/unit[100]"},
			want:  `<filter type="subtree"><configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>100</name></unit></interface></interfaces></configuration></filter>`,
			ok:    true,
		},
		{
			name:  "a service's subtrees share their ancestors",
			paths: []string{"interfaces/interface[ge-0/0/1]/unit[100]", "interfaces/interface[ge-0/0/1]/unit[200]", "protocols/l2circuit/neighbor[10.0.0.2]/interface[ge-0/0/1.100]"},
			want:  `<filter type="subtree"><configuration><interfaces><interface><name>ge-0/0/1</name><unit><name>100</name></unit><unit><name>200</name></unit></interface></interfaces><protocols><l2circuit><neighbor><name>10.0.0.2</name><interface><name>ge-0/0/1.100</name></interface></neighbor></l2circuit></protocols></configuration></filter>`,
			ok:    true,
		},
		{
			name:  "a path below another adds nothing",
			paths: []string{"system", "system/host-name"},
			want:  `<filter type="subtree"><configuration><system></system></configuration></filter>`,
			ok:    true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []config.Path
			for _, s := range tc.paths {
				ps = append(ps, path(s))
			}
			got, ok, err := dialect{junos: true}.filterXML(ps)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || got != tc.want {
				t.Fatalf("filterXML = %v %s\nwant %v %s", ok, got, tc.ok, tc.want)
			}
		})
	}
}
