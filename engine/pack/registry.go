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
// a directory on disk (DirSource) or an embedded fs.FS.
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
func (r *Registry) Reload() error {
	fp := r.fingerprint()
	r.mu.Lock()
	r.seen = fp
	r.mu.Unlock()
	type found struct {
		dir   string
		fsys  fs.FS
		files map[string][]byte
	}
	var dirs []found
	var ioErrs []error
	for _, src := range r.sources {
		ents, err := fs.ReadDir(src.FS, ".")
		if err != nil {
			ioErrs = append(ioErrs, fmt.Errorf("pack registry: %s: %w", src.Name, err))
			continue
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			sub, err := fs.Sub(src.FS, e.Name())
			if err != nil {
				ioErrs = append(ioErrs, fmt.Errorf("pack registry: %s: %w", e.Name(), err))
				continue
			}
			if _, err := fs.Stat(sub, FileManifest); err != nil {
				continue // not a pack
			}
			files, err := readPackFiles(sub)
			if err != nil {
				ioErrs = append(ioErrs, fmt.Errorf("pack registry: %s: %w", path.Join(src.Name, e.Name()), err))
				continue
			}
			dirs = append(dirs, found{dir: path.Join(src.Name, e.Name()), fsys: sub, files: files})
		}
	}

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
			np, err := LoadFS(d.fsys, d.dir, r.opts)
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
func (r *Registry) Watch(ctx context.Context, interval time.Duration, onReload func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.RLock()
		last := r.seen
		r.mu.RUnlock()
		if r.fingerprint() == last {
			continue
		}
		err := r.Reload()
		if onReload != nil {
			onReload(err)
		}
	}
}

// fingerprint hashes the content of every pack file of every source.
func (r *Registry) fingerprint() string {
	all := map[string][]byte{}
	for _, src := range r.sources {
		ents, err := fs.ReadDir(src.FS, ".")
		if err != nil {
			all[src.Name+"\x00error"] = []byte(err.Error())
			continue
		}
		for _, e := range ents {
			if !e.IsDir() {
				continue
			}
			sub, err := fs.Sub(src.FS, e.Name())
			if err != nil {
				continue
			}
			files, err := readPackFiles(sub)
			if err != nil {
				continue
			}
			for n, b := range files {
				all[path.Join(src.Name, e.Name(), n)] = b
			}
		}
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
