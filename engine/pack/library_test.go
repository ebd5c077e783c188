package pack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// collection returns a pack collection: pack "shared" (the example pack with its lib.star
// moved to lib/helpers.star, loaded as ../lib/helpers.star, which loads lib/base.star by
// name) and pack "own" (the example pack as is, loading no library).
func collection(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	ents, err := os.ReadDir(exampleDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(exampleDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys["own/"+e.Name()] = &fstest.MapFile{Data: b}
		switch {
		case e.Name() == "lib.star":
			fsys["lib/helpers.star"] = &fstest.MapFile{Data: append([]byte("load(\"base.star\", \"BASE\")\n"), b...)}
		case e.Name() == FileManifest:
			fsys["shared/"+e.Name()] = &fstest.MapFile{Data: bytes.Replace(b, []byte(`"name": "eline"`), []byte(`"name": "eline-shared"`), 1)}
		default:
			fsys["shared/"+e.Name()] = &fstest.MapFile{Data: bytes.ReplaceAll(b, []byte(`load("lib.star"`), []byte(`load("../lib/helpers.star"`))}
		}
	}
	fsys["lib/base.star"] = &fstest.MapFile{Data: []byte("BASE = 1\n")}
	return fsys
}

// TestLibraryVersion: a pack loads a library (which loads another); a change to either gives
// the pack using it a new version and leaves the pack that does not use it as it was.
func TestLibraryVersion(t *testing.T) {
	fsys := collection(t)
	r := NewRegistry(Options{}, Source{Name: "packs", FS: fsys})
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	shared, ok1 := r.Get("eline-shared")
	own, ok2 := r.Get("eline")
	if !ok1 || !ok2 {
		t.Fatalf("packs not loaded: %v", r.Packs())
	}
	fsys["lib/base.star"] = &fstest.MapFile{Data: []byte("BASE = 2\n")}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	shared2, _ := r.Get("eline-shared")
	own2, _ := r.Get("eline")
	if shared2.Version == shared.Version {
		t.Errorf("a change to lib/base.star (loaded through lib/helpers.star) left eline-shared at %s", shared.Version)
	}
	if own2 != own {
		t.Errorf("a library change reloaded the pack that does not load it (%s -> %s)", own.Version, own2.Version)
	}
	// An unrelated library file changes nobody's version.
	fsys["lib/unused.star"] = &fstest.MapFile{Data: []byte("X = 1\n")}
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if shared3, _ := r.Get("eline-shared"); shared3 != shared2 {
		t.Errorf("an unused library changed eline-shared's version")
	}
}

// TestLibraryErrors: a problem in a library is reported at the library's file:line (under the
// collection's lib/), and a missing library at the load() that names it.
func TestLibraryErrors(t *testing.T) {
	fsys := collection(t)
	fsys["lib/base.star"] = &fstest.MapFile{Data: []byte("# base\nBASE = 1 // 0\n")}
	fsys["shared/ops.star"] = &fstest.MapFile{Data: []byte("load(\"../lib/nope.star\", \"x\")\n")}
	fsys["shared/extra.star"] = &fstest.MapFile{Data: []byte("load(\"../../etc/x.star\", \"x\")\n")}
	r := NewRegistry(Options{}, Source{Name: "packs", FS: fsys})
	if err := r.Reload(); err == nil {
		t.Fatal("Reload accepted a broken library")
	}
	var got []string
	for _, p := range r.Problems() {
		got = append(got, p.String())
	}
	want := []string{
		`packs/shared/extra.star:1:6: load("../../etc/x.star"): only other .star files of this pack, or the collection's libraries as ../lib/NAME.star, can be loaded`,
		`packs/shared/ops.star:1:6: load("../lib/nope.star"): no library nope.star in the pack collection's lib/ directory`,
		`packs/lib/base.star:2:10: floored division by zero`,
	}
	for _, w := range want {
		if !contains(got, w) {
			t.Errorf("missing problem %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if _, ok := r.Get("eline"); !ok {
		t.Error("the pack that loads no library should still load")
	}
}

// TestLibraryOnDisk: Load(dir) finds the libraries in dir/../lib, as pack validate and pack
// test use it; a library that loads a pack file is refused.
func TestLibraryOnDisk(t *testing.T) {
	fsys := collection(t)
	root := t.TempDir()
	for name, f := range fsys {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Load(filepath.Join(root, "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "eline-shared" {
		t.Errorf("loaded %q", p.Name())
	}
	if err := os.WriteFile(filepath.Join(root, "lib", "base.star"), []byte("load(\"../eline/lib.star\", \"x\")\nBASE = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(filepath.Join(root, "shared"))
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(le.Error(), `../lib/base.star:1:6: load("../eline/lib.star"): a library loads only other libraries of lib/, by name`) {
		t.Errorf("want the library's load refused at its file:line, got %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestSymlinkedPackDir: a pack directory that is a symbolic link loads like any other, and a
// dangling link is reported with its name rather than skipped.
func TestSymlinkedPackDir(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	for name, f := range collection(t) {
		if !strings.HasPrefix(name, "own/") {
			continue
		}
		p := filepath.Join(elsewhere, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(elsewhere, "own"), filepath.Join(root, "eline")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	r := NewRegistry(Options{}, DirSource(root))
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Get("eline"); !ok {
		t.Fatal("the symlinked pack directory was not loaded")
	}
	if err := os.Symlink(filepath.Join(elsewhere, "gone"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	err := r.Reload()
	if err == nil || !strings.Contains(err.Error(), "dangling is a symbolic link that cannot be followed") {
		t.Errorf("want the dangling link reported by name, got %v", err)
	}
	if _, ok := r.Get("eline"); !ok {
		t.Error("a dangling link next to it unloaded the good pack")
	}
}
