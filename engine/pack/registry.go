package pack

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"reflect"
	"sort"
	"sync"
	"time"
)

// Source is one root holding pack directories (one pack per sub-directory with a pack.json):
// a directory on disk (DirSource) or an embedded fs.FS. Its LibDir sub-directory, when
// present, holds the shared libraries its packs load as load("../lib/NAME.star", ...).
type Source struct {
	// Name prefixes pack directories in messages (e.g. "flexservices").
	Name string
	FS   fs.FS
}

// DirSource is the Source for a directory on disk.
func DirSource(dir string) Source { return Source{Name: dir, FS: os.DirFS(dir)} }

// Registry holds the packs of one or more sources by name. A broken pack is reported (Errors)
// and the others load. On Reload, a pack whose files did not change is kept as is; a pack that
// was good and is now broken keeps serving its last good version until it is fixed (running
// services must not lose their type because of a typo); a pack whose directory disappeared is
// dropped. A Registry is safe for concurrent use.
type Registry struct {
	opts    Options
	sources []Source

	mu    sync.RWMutex
	packs map[string]*Pack // by name
	byDir map[string]*Pack // by display dir, for reuse on reload
	errs  []*LoadError
	// seen is the fingerprint of the files the last Reload read; Watch compares against it,
	// so a change made between a Reload and the start of Watch is not missed.
	seen string
}

// NewRegistry returns a registry over sources; call Reload to load them.
func NewRegistry(opts Options, sources ...Source) *Registry {
	return &Registry{opts: opts, sources: sources, packs: map[string]*Pack{}, byDir: map[string]*Pack{}}
}

// Get returns the pack named name.
func (r *Registry) Get(name string) (*Pack, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.packs[name]
	return p, ok
}

// Packs returns the loaded packs sorted by name.
func (r *Registry) Packs() []*Pack {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Pack, 0, len(r.packs))
	for _, p := range r.packs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.Name < out[j].Meta.Name })
	return out
}

// Errors returns the problems of the broken packs of the last Reload, sorted by directory.
func (r *Registry) Errors() []*LoadError {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*LoadError(nil), r.errs...)
}

// Reload rescans every source and (re)loads the packs whose files changed. It returns an
// error joining the LoadErrors of broken packs (also available from Errors), or an I/O error
// when a source cannot be listed; the good packs are in place either way.
//
// Each pack is loaded from the bytes read once (never from a second read that could see a
// different version), and the fingerprint Watch compares against is the hash of exactly those
// bytes: a file rewritten while Reload read it differs from what was loaded, so Watch loads it
// again once it is stable.
func (r *Registry) Reload() error {
	snap := r.scan()
	r.mu.Lock()
	r.seen = snap.fingerprint()
	r.mu.Unlock()
	dirs, ioErrs := snap.dirs, snap.ioErrs

	r.mu.RLock()
	prevByDir := r.byDir
	r.mu.RUnlock()

	// Packs loaded before come first, so that a new pack conflicting with them (same name,
	// a pool declared differently) is the one refused.
	sort.SliceStable(dirs, func(i, j int) bool {
		return prevByDir[dirs[i].dir] != nil && prevByDir[dirs[j].dir] == nil
	})
	byDir := map[string]*Pack{}
	packs := map[string]*Pack{}
	var errs []*LoadError
	poolOwner := map[string]*Pack{}
	for _, d := range dirs {
		var p *Pack
		if old := prevByDir[d.dir]; old != nil && old.Hash == contentHash(d.files) {
			p = old
		} else {
			np, err := loadFiles(d.files, d.dir, r.opts)
			var le *LoadError
			switch {
			case errors.As(err, &le):
				errs = append(errs, le)
				p = prevByDir[d.dir] // keep serving the last good version
			case err != nil:
				ioErrs = append(ioErrs, err)
				p = prevByDir[d.dir]
			default:
				p = np
			}
		}
		if p == nil {
			continue
		}
		if other, dup := packs[p.Meta.Name]; dup {
			errs = append(errs, &LoadError{Dir: d.dir, Problems: []Problem{{File: FileManifest, Msg: fmt.Sprintf("pack name %q is already used by %s", p.Meta.Name, other.Dir)}}})
			continue
		}
		if prob, ok := poolConflict(p, poolOwner); ok {
			errs = append(errs, &LoadError{Dir: d.dir, Problems: []Problem{prob}})
			continue
		}
		for n := range p.Meta.Pools {
			if poolOwner[n] == nil {
				poolOwner[n] = p
			}
		}
		packs[p.Meta.Name] = p
		byDir[d.dir] = p
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Dir < errs[j].Dir })

	r.mu.Lock()
	r.packs, r.byDir, r.errs = packs, byDir, errs
	r.mu.Unlock()

	all := ioErrs
	for _, e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}

// poolConflict reports a pool p declares differently from a pack loaded before it.
func poolConflict(p *Pack, owners map[string]*Pack) (Problem, bool) {
	names := make([]string, 0, len(p.Meta.Pools))
	for n := range p.Meta.Pools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if o := owners[n]; o != nil && !reflect.DeepEqual(stripDoc(o.Meta.Pools[n]), stripDoc(p.Meta.Pools[n])) {
			return Problem{File: FileManifest, Msg: fmt.Sprintf("pool %q is declared differently by pack %s (%s); packs share pools by name and must declare them alike", n, o.Meta.Name, o.Dir)}, true
		}
	}
	return Problem{}, false
}

func stripDoc(s PoolSpec) PoolSpec {
	s.Description, s.Scope = "", ""
	return s
}

// Watch polls the sources every interval and reloads when any pack file's content changed;
// onReload (optional) gets Reload's result. It returns when ctx ends. It needs no file system
// notifications, so it works on any fs.FS and any platform.
//
// A change is loaded only once it is stable: the files must hash the same at two reads at
// least settle (the larger of interval and 25ms) apart, so a file caught half-written (an
// editor's truncate-then-write, a copy in progress) is not loaded; the complete version is,
// at a later tick.
func (r *Registry) Watch(ctx context.Context, interval time.Duration, onReload func(error)) {
	settle := max(interval, minSettle)
	t := time.NewTicker(interval)
	defer t.Stop()
	var (
		candidate string    // a fingerprint that differs from the loaded one
		since     time.Time // when candidate was first seen
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.RLock()
		last := r.seen
		r.mu.RUnlock()
		fp := r.scan().fingerprint()
		switch {
		case fp == last:
			candidate = ""
			continue
		case fp != candidate:
			candidate, since = fp, time.Now()
			continue
		case time.Since(since) < settle:
			continue
		}
		candidate = ""
		err := r.Reload()
		if onReload != nil {
			onReload(err)
		}
	}
}

// minSettle is the least time a changed pack's files must stay the same before Watch loads
// them.
const minSettle = 25 * time.Millisecond

// packDir is one pack directory as read by scan.
type packDir struct {
	dir   string
	files map[string][]byte
}

// snapshot is one read of every source: the pack directories with their files' contents, and
// the errors met.
type snapshot struct {
	dirs   []packDir
	ioErrs []error
}

// scan reads every pack file of every source once.
func (r *Registry) scan() snapshot {
	var s snapshot
	for _, src := range r.sources {
		ents, err := fs.ReadDir(src.FS, ".")
		if err != nil {
			s.ioErrs = append(s.ioErrs, fmt.Errorf("pack registry: %s: %w", src.Name, err))
			continue
		}
		var lib fs.FS
		if st, err := fs.Stat(src.FS, LibDir); err == nil && st.IsDir() {
			lib, _ = fs.Sub(src.FS, LibDir)
		}
		for _, e := range ents {
			if e.Name() == LibDir {
				continue
			}
			if e.Type()&fs.ModeSymlink != 0 {
				// A symlinked pack directory is followed (os.DirFS opens through links);
				// a dangling link is reported, not skipped.
				st, err := fs.Stat(src.FS, e.Name())
				if err != nil {
					s.ioErrs = append(s.ioErrs, fmt.Errorf("pack registry: %s is a symbolic link that cannot be followed: %w", path.Join(src.Name, e.Name()), err))
					continue
				}
				if !st.IsDir() {
					continue
				}
			} else if !e.IsDir() {
				continue
			}
			sub, err := fs.Sub(src.FS, e.Name())
			if err != nil {
				s.ioErrs = append(s.ioErrs, fmt.Errorf("pack registry: %s: %w", e.Name(), err))
				continue
			}
			if _, err := fs.Stat(sub, FileManifest); err != nil {
				continue // not a pack
			}
			files, err := readPackFiles(sub)
			if err == nil {
				err = addLibs(files, lib)
			}
			if err != nil {
				s.ioErrs = append(s.ioErrs, fmt.Errorf("pack registry: %s: %w", path.Join(src.Name, e.Name()), err))
				continue
			}
			s.dirs = append(s.dirs, packDir{dir: path.Join(src.Name, e.Name()), files: files})
		}
	}
	return s
}

// fingerprint hashes the content of every pack file of the snapshot, and its errors.
func (s snapshot) fingerprint() string {
	all := map[string][]byte{}
	for _, d := range s.dirs {
		for n, b := range d.files {
			all[path.Join(d.dir, n)] = b
		}
	}
	for i, err := range s.ioErrs {
		all[fmt.Sprintf("\x00error%d", i)] = []byte(err.Error())
	}
	return contentHash(all)
}

// Problems returns every problem of the broken packs of the last Reload, each File prefixed
// with its pack directory ("flexservices/eline/junos.star").
func (r *Registry) Problems() []Problem {
	var out []Problem
	for _, le := range r.Errors() {
		for _, p := range le.Problems {
			p.File = path.Join(le.Dir, p.File)
			out = append(out, p)
		}
	}
	return out
}
