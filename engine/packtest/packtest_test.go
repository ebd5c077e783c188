package packtest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xprov/xprov/adapters/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

const example = "../pack/testdata/eline"

func TestExamplePack(t *testing.T) {
	Test(t, example, Options{Update: *update})
}

// setup copies the example pack into a temporary directory the test may change.
func setup(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "eline")
	for _, sub := range []string{"", "tests"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir(filepath.Join(example, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(example, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, sub, e.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestFailureThenUpdate(t *testing.T) {
	dir := setup(t)
	// The pack changes its MTU default: the goldens of cases without an MTU go stale.
	svc := filepath.Join(dir, "service.star")
	b, _ := os.ReadFile(svc)
	if err := os.WriteFile(svc, []byte(strings.Replace(string(b), `intent.get("mtu", 1500)`, `intent.get("mtu", 1600)`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Run: regexp.MustCompile(`^create-mixed$`)}
	res, err := RunDir(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Passed {
		t.Fatalf("want one failing case, got %+v", res)
	}
	checkGolden(t, "testdata/create-mixed.diff", res[0].Diff)

	opts.Update = true
	if res, err = RunDir(context.Background(), dir, opts); err != nil || !res[0].Updated {
		t.Fatalf("update: %v %+v", err, res)
	}
	opts.Update = false
	if res, err = RunDir(context.Background(), dir, opts); err != nil || !res[0].Passed {
		t.Fatalf("after update: %v %+v", err, res)
	}
}

func TestBadCase(t *testing.T) {
	dir := setup(t)
	if err := os.WriteFile(filepath.Join(dir, "tests", "typo.txtar"), []byte("-- intent.jsn --\n{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := RunDir(context.Background(), dir, Options{Run: regexp.MustCompile("typo")})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), `unknown section "intent.jsn"`) {
		t.Errorf("got %v, want an unknown section error", res[0].Err)
	}
}

func TestFormatChange(t *testing.T) {
	p := func(s string) config.Path {
		q, err := config.ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	tests := []struct {
		name string
		c    config.Change
		want string
	}{
		{"create entry", config.Change{Op: config.Create, Path: p("interfaces/interface[ge-0/0/1]")}, "create interfaces/interface[ge-0/0/1]"},
		{"create value", config.Change{Op: config.Create, Path: p("a/b"), Value: "100"}, "create a/b = 100"},
		{"spaces inside", config.Change{Op: config.Create, Path: p("a/description"), Value: "HQ to branch"}, "create a/description = HQ to branch"},
		{"quoted", config.Change{Op: config.Create, Path: p("a/d"), Value: ` x"`}, `create a/d = " x\""`},
		{"update", config.Change{Op: config.Update, Path: p("a/mtu"), Value: "9000", Old: "1500"}, "update a/mtu = 9000 (was 1500)"},
		{"update from empty", config.Change{Op: config.Update, Path: p("a/x"), Value: "1"}, `update a/x = 1 (was "")`},
		{"delete", config.Change{Op: config.Delete, Path: p("a/unit[100]"), Old: ""}, "delete a/unit[100]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatChange(tt.c); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s:\n--- got ---\n%s--- want ---\n%s", file, got, want)
	}
}

// TestModelRefusesBrokenPack: a pack whose renderer produces what the Junos device model
// refuses fails at pack test, offline, each refusal naming where the pack produced the value,
// the device, the config path and value, the reason and the model path.
func TestModelRefusesBrokenPack(t *testing.T) {
	res, err := RunDir(context.Background(), "testdata/modelbroken", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Passed || res[0].Err != nil {
		t.Fatalf("results %+v: want one failed case", res)
	}
	for _, want := range []string{
		`+ junos.star:9:9: pe1: protocols/l2circuit/neighbor[10.255.1.2]/interface[xe-0/1/0.100]/mtu = "jumbo": invalid numeric value: 'jumbo' (model: protocols/l2circuit/neighbor/interface/mtu) [called from junos.star:30 render]`,
		`+ junos.star:18:9: pe1: interfaces/interface[xe-0/1/0]/unit[100]/vlan-id = "9100": Value 9100 is not within range (1..4094) (model: interfaces/interface/unit/vlan-id)`,
		`+ junos.star:20:5: pe1: interfaces/interface[xe-0/1/0]/unit[100]/colour: syntax error: 'colour' is not a statement of [edit interfaces interface unit] (model: interfaces/interface/unit/colour)`,
		`+ junos.star:8:9: pe1: protocols/l2circuit/neighbor[10.255.1.2]/interface[xe-0/1/0.100]: Missing mandatory statement: 'virtual-circuit-id' (model: protocols/l2circuit/neighbor/interface/virtual-circuit-id) [called from junos.star:30 render]`,
	} {
		if !strings.Contains(res[0].Diff, want) {
			t.Errorf("diff lacks\n%s\ndiff:\n%s", want, res[0].Diff)
		}
	}
}
