package pack

import (
	"bytes"
	"context"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/tools/txtar"
)

// changingFS serves a MapFS, except that one file reads as each of a list of versions in turn
// (one per read), then as its last version: a file an editor is rewriting.
type changingFS struct {
	base     fstest.MapFS
	name     string
	mu       sync.Mutex
	versions [][]byte
	reads    int
}

func (c *changingFS) Open(name string) (fs.File, error) {
	if name != c.name {
		return c.base.Open(name)
	}
	c.mu.Lock()
	v := c.versions[min(c.reads, len(c.versions)-1)]
	c.reads++
	c.mu.Unlock()
	return fstest.MapFS{name: &fstest.MapFile{Data: v}}.Open(name)
}

// TestWatchLoadsOnlyStableFiles is the regression test of a flaky TestRegistry: the watcher
// read a pack file while it was being rewritten and reported the half-written version.
func TestWatchLoadsOnlyStableFiles(t *testing.T) {
	base := fstest.MapFS{}
	for n, f := range overlay(t, &txtar.Archive{}) {
		base["eline/"+n] = f
	}
	good := base["eline/pack.json"].Data
	tests := []struct {
		name string
		// versions of eline/pack.json read after the first Reload, in turn.
		versions [][]byte
	}{
		{"truncated then written", [][]byte{{}, good[:len(good)/2], withVersion(t, good, "2.0.0")}},
		{"half written once", [][]byte{good[:10], withVersion(t, good, "2.0.0")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfs := &changingFS{base: base, name: "eline/pack.json", versions: [][]byte{good}}
			r := NewRegistry(Options{}, Source{Name: "mem", FS: cfs})
			if err := r.Reload(); err != nil {
				t.Fatal(err)
			}
			cfs.mu.Lock()
			cfs.versions, cfs.reads = tc.versions, 0
			cfs.mu.Unlock()
			reloaded, cancel := watch(r)
			defer cancel()
			if err := nextReload(t, reloaded); err != nil {
				t.Fatalf("the watcher loaded a half-written file: %v", err)
			}
			if p, ok := r.Get("eline"); !ok || p.Meta.Version != "2.0.0" {
				t.Fatalf("eline after reload: %v %v, want version 2.0.0", p, ok)
			}
			cancel()
			select {
			case err := <-reloaded:
				t.Fatalf("a second reload of stable files: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
		})
	}
}

// TestReloadRetriesAfterAChangeDuringTheRead: a file that changes while Reload reads it is
// loaded again by Watch, because Reload remembers what it loaded, not a separate read.
func TestReloadRetriesAfterAChangeDuringTheRead(t *testing.T) {
	base := fstest.MapFS{}
	for n, f := range overlay(t, &txtar.Archive{}) {
		base["eline/"+n] = f
	}
	good := base["eline/pack.json"].Data
	// Reload sees the truncated file (it opens it twice: a stat, then the read); every later
	// read sees the complete one.
	cfs := &changingFS{base: base, name: "eline/pack.json", versions: [][]byte{{}, {}, good}}
	r := NewRegistry(Options{}, Source{Name: "mem", FS: cfs})
	if err := r.Reload(); err == nil {
		t.Fatal("Reload of an empty pack.json: want an error")
	}
	reloaded, cancel := watch(r)
	defer cancel()
	if err := nextReload(t, reloaded); err != nil {
		t.Fatalf("watch reload: %v", err)
	}
	if _, ok := r.Get("eline"); !ok {
		t.Fatal("eline not loaded")
	}
}

// withVersion returns a pack.json with its version 1.0.0 replaced.
func withVersion(t *testing.T, manifest []byte, version string) []byte {
	t.Helper()
	out := bytes.Replace(manifest, []byte(`"version": "1.0.0"`), []byte(`"version": "`+version+`"`), 1)
	if bytes.Equal(out, manifest) {
		t.Fatalf("no version 1.0.0 in %s", manifest)
	}
	return out
}

// watch runs r's watcher (polling every millisecond) until cancel; each reload's outcome
// arrives on the channel.
func watch(r *Registry) (<-chan error, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	reloaded := make(chan error, 10)
	go r.Watch(ctx, time.Millisecond, func(err error) { reloaded <- err })
	return reloaded, cancel
}

// nextReload waits for the watcher's next reload and returns its outcome.
func nextReload(t *testing.T, reloaded <-chan error) error {
	t.Helper()
	select {
	case err := <-reloaded:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s")
		return nil
	}
}
