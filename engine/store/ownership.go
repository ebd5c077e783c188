package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Ownership is stored per (service, target) as one owned_sets row whose leaves column is an
// encoded leaf list, plus two narrow indexes keyed by a hash of (target, path): owned_nodes
// (one entry per leaf, for Owners) and owned_below (one entry per path prefix, for
// OwnedBelow). See migrations/0006_compact_ownership.sql.

// leavesVersion is the first byte of an encoded leaf list: a later encoding can be told apart.
const leavesVersion = 1

// normalizeLeaves sorts leaves by path and keeps the last of duplicate paths (as writing them
// row by row with INSERT OR REPLACE did). It does not modify ls.
func normalizeLeaves(ls []OwnedLeaf) []OwnedLeaf {
	out := make([]OwnedLeaf, len(ls))
	copy(out, ls)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	k := 0
	for i := range out {
		if k > 0 && out[k-1].Path == out[i].Path {
			out[k-1] = out[i]
			continue
		}
		out[k] = out[i]
		k++
	}
	return out[:k]
}

// encodeLeaves encodes leaves sorted by path (normalizeLeaves): a version byte, then per leaf
// the length of the prefix it shares with the previous path, the rest of the path and the
// value, each length a uvarint. Sibling paths share most of their bytes, so a leaf costs its
// last segment and its value.
func encodeLeaves(ls []OwnedLeaf) []byte {
	n := 1
	for _, l := range ls {
		n += len(l.Path) + len(l.Value) + 3
	}
	b := make([]byte, 1, n)
	b[0] = leavesVersion
	prev := ""
	for _, l := range ls {
		k := commonPrefix(prev, l.Path)
		b = binary.AppendUvarint(b, uint64(k))
		b = binary.AppendUvarint(b, uint64(len(l.Path)-k))
		b = append(b, l.Path[k:]...)
		b = binary.AppendUvarint(b, uint64(len(l.Value)))
		b = append(b, l.Value...)
		prev = l.Path
	}
	return b
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

var errBadLeaves = errors.New("malformed owned leaves")

// decodeLeaves is the inverse of encodeLeaves; every leaf gets target.
func decodeLeaves(target string, b []byte) ([]OwnedLeaf, error) {
	if len(b) == 0 || b[0] != leavesVersion {
		return nil, errBadLeaves
	}
	b = b[1:]
	var out []OwnedLeaf
	prev := ""
	next := func() (int, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 || v > math.MaxInt32 {
			return 0, false
		}
		b = b[n:]
		return int(v), true
	}
	for len(b) > 0 {
		k, ok1 := next()
		m, ok2 := next()
		if !ok1 || !ok2 || k > len(prev) || m > len(b) {
			return nil, errBadLeaves
		}
		path := prev[:k] + string(b[:m])
		b = b[m:]
		vn, ok := next()
		if !ok || vn > len(b) {
			return nil, errBadLeaves
		}
		out = append(out, OwnedLeaf{Target: target, Path: path, Value: string(b[:vn])})
		b = b[vn:]
		prev = path
	}
	return out, nil
}

// findLeaf returns the leaf of a sorted list with path p.
func findLeaf(ls []OwnedLeaf, p string) (OwnedLeaf, bool) {
	i := sort.Search(len(ls), func(i int) bool { return ls[i].Path >= p })
	if i < len(ls) && ls[i].Path == p {
		return ls[i], true
	}
	return OwnedLeaf{}, false
}

// hasBelow reports whether a sorted list has a path that starts with p + "/".
func hasBelow(ls []OwnedLeaf, p string) bool {
	lo := p + "/"
	i := sort.Search(len(ls), func(i int) bool { return ls[i].Path >= lo })
	return i < len(ls) && strings.HasPrefix(ls[i].Path, lo)
}

// fnv64 is FNV-1a over a, a zero byte and b.
func fnv64(a, b string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	h *= prime // the separator: a zero byte
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * prime
	}
	return h
}

// nodeKey is the owned_nodes and owned_below key of a path on a target: 47 bits, which
// SQLite stores in 6 bytes. Collisions are possible and harmless: every match is checked
// against the holder's leaves.
func nodeKey(target, path string) int64 {
	return int64(fnv64(target, path) >> 17)
}

// maxLiteralValue is the longest value owned_nodes keeps as is; longer ones are hashed.
const maxLiteralValue = 8

// valueKey is a value as owned_nodes keys it: the value itself (TEXT) when short, else an
// 8-byte hash (BLOB; a BLOB never equals a TEXT, so a hash cannot pass for a literal).
func valueKey(v string) any {
	if len(v) <= maxLiteralValue {
		return v
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], fnv64("", v))
	return b[:]
}

// sameValueKey compares a value key read back from SQLite (string or []byte) with valueKey(v).
func sameValueKey(k any, v string) bool {
	switch k := k.(type) {
	case string:
		return len(v) <= maxLiteralValue && k == v
	case []byte:
		want, ok := valueKey(v).([]byte)
		return ok && string(k) == string(want)
	}
	return false
}

type nodeEntry struct {
	node  int64
	value string // the leaf's value; its key is valueKey(value)
}

// ownedKeys returns the owned_nodes entries and the owned_below nodes of a sorted leaf list.
func ownedKeys(target string, ls []OwnedLeaf) (nodes []nodeEntry, below []int64) {
	nodes = make([]nodeEntry, 0, len(ls))
	seen := make(map[string]struct{})
	for _, l := range ls {
		nodes = append(nodes, nodeEntry{nodeKey(target, l.Path), l.Value})
		for i := 0; i < len(l.Path); i++ {
			if l.Path[i] != '/' {
				continue
			}
			pre := l.Path[:i]
			if _, ok := seen[pre]; ok {
				continue
			}
			seen[pre] = struct{}{}
			below = append(below, nodeKey(target, pre))
		}
	}
	return nodes, dedupeInts(below)
}

// dedupeInts sorts xs and drops duplicates (two prefixes may hash alike).
func dedupeInts(xs []int64) []int64 {
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	k := 0
	for i, x := range xs {
		if i > 0 && x == xs[k-1] {
			continue
		}
		xs[k] = x
		k++
	}
	return xs[:k]
}

// ownedSet is one owned_sets row.
type ownedSet struct {
	id      int64
	service string
	target  string
	leaves  []OwnedLeaf
}

// putOwned replaces what service owns on target with ls (an empty ls removes the set). fresh
// says the service had no owned sets (a new service), which saves a read.
func putOwned(ctx context.Context, tx *wtx, service, target string, ls []OwnedLeaf, fresh bool) error {
	ls = normalizeLeaves(ls)
	var old ownedSet
	if !fresh {
		if err := tx.flushFor(ctx, service); err != nil {
			return err
		}
		var blob []byte
		switch err := tx.QueryRowContext(ctx, qOwnedSetOf, service, target).Scan(&old.id, &blob); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			var derr error
			if old.leaves, derr = decodeLeaves(target, blob); derr != nil {
				return fmt.Errorf("set %d: %w", old.id, derr)
			}
		}
	}
	id := old.id
	switch {
	case id == 0 && len(ls) == 0:
		return nil
	case id == 0:
		var err error
		if id, err = tx.newSetID(ctx); err != nil {
			return err
		}
		tx.queue(service, insSets, id, service, target, encodeLeaves(ls))
	case len(ls) == 0:
		if _, err := tx.ExecContext(ctx, qDeleteOwnedSet, id); err != nil {
			return err
		}
	default:
		if _, err := tx.ExecContext(ctx, qUpdateOwnedSet, encodeLeaves(ls), id); err != nil {
			return err
		}
	}
	return replaceKeys(ctx, tx, service, id, target, old.leaves, ls)
}

// replaceKeys moves a set's owned_nodes and owned_below entries from those of old to those
// of new: only the difference is written.
func replaceKeys(ctx context.Context, tx *wtx, service string, id int64, target string, old, new []OwnedLeaf) error {
	oldNodes, oldBelow := ownedKeys(target, old)
	newNodes, newBelow := ownedKeys(target, new)
	had := make(map[nodeEntry]bool, len(oldNodes))
	for _, e := range oldNodes {
		had[e] = true
	}
	keep := make(map[nodeEntry]bool, len(newNodes))
	for _, e := range newNodes {
		keep[e] = true
		if !had[e] {
			tx.queue(service, insNodes, e.node, valueKey(e.value), id)
		}
	}
	for _, e := range oldNodes {
		if !keep[e] {
			if _, err := tx.ExecContext(ctx, qDeleteOwnedNode, e.node, valueKey(e.value), id); err != nil {
				return err
			}
		}
	}
	hadBelow := make(map[int64]bool, len(oldBelow))
	for _, n := range oldBelow {
		hadBelow[n] = true
	}
	keepBelow := make(map[int64]bool, len(newBelow))
	for _, n := range newBelow {
		keepBelow[n] = true
		if !hadBelow[n] {
			tx.queue(service, insBelow, n, id)
		}
	}
	for _, n := range oldBelow {
		if !keepBelow[n] {
			if _, err := tx.ExecContext(ctx, qDeleteOwnedBelow, n, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteOwned removes everything a service owns (before the service row goes: the sets
// cascade with it, their index entries would not).
func deleteOwned(ctx context.Context, tx *wtx, service string) error {
	if err := tx.flushFor(ctx, service); err != nil {
		return err
	}
	sets, err := ownedSetsOf(ctx, tx, service)
	if err != nil {
		return err
	}
	for _, set := range sets {
		if err := replaceKeys(ctx, tx, service, set.id, set.target, set.leaves, nil); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qDeleteOwnedSet, set.id); err != nil {
			return err
		}
	}
	return nil
}

// queryer is what both a write transaction and the read pool offer for multi-row reads.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func ownedSetsOf(ctx context.Context, q queryer, service string) ([]ownedSet, error) {
	rows, err := q.QueryContext(ctx, qOwnedSetsOf, service)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc scanner) (ownedSet, error) {
		set := ownedSet{service: service}
		var blob []byte
		if err := sc.Scan(&set.id, &set.target, &blob); err != nil {
			return set, err
		}
		var err error
		if set.leaves, err = decodeLeaves(set.target, blob); err != nil {
			return set, fmt.Errorf("set %d: %w", set.id, err)
		}
		return set, nil
	})
}

// Owned returns what a service owns on every target, ordered by target and path. For the
// service "~device" it returns the pre-existing configuration recorded as External.
func (s *SQLite) Owned(ctx context.Context, service string) ([]OwnedLeaf, error) {
	if service == ExternalOwner {
		rows, err := s.read().QueryContext(ctx, qOwnedExternal)
		if err != nil {
			return nil, fmt.Errorf("store: owned by %s: %w", service, err)
		}
		out, err := collect(rows, func(sc scanner) (OwnedLeaf, error) {
			var l OwnedLeaf
			err := sc.Scan(&l.Target, &l.Path, &l.Value)
			return l, err
		})
		if err != nil {
			return nil, fmt.Errorf("store: owned by %s: %w", service, err)
		}
		return out, nil
	}
	sets, err := ownedSetsOf(ctx, s.read(), service)
	if err != nil {
		return nil, fmt.Errorf("store: owned by %s: %w", service, err)
	}
	var out []OwnedLeaf
	for _, set := range sets {
		out = append(out, set.leaves...)
	}
	return out, nil
}

// setReader reads owned sets by id for one Owners or OwnedBelow call, each set once.
type setReader struct {
	r    reader
	sets map[int64]ownedSet
}

func (sr *setReader) get(ctx context.Context, id int64) (ownedSet, error) {
	if set, ok := sr.sets[id]; ok {
		return set, nil
	}
	set := ownedSet{id: id}
	var blob []byte
	if err := sr.r.QueryRowContext(ctx, qOwnedSetByID, id).Scan(&set.service, &set.target, &blob); err != nil {
		return set, fmt.Errorf("set %d: %w", id, err)
	}
	var err error
	if set.leaves, err = decodeLeaves(set.target, blob); err != nil {
		return set, fmt.Errorf("set %d: %w", id, err)
	}
	if sr.sets == nil {
		sr.sets = make(map[int64]ownedSet)
	}
	sr.sets[id] = set
	return set, nil
}

// excludedSet returns the id of exclude's set on target, or -1 (no set has it).
func (s *SQLite) excludedSet(ctx context.Context, target, exclude string) (int64, error) {
	if exclude == "" || exclude == ExternalOwner {
		return -1, nil
	}
	var id int64
	var blob []byte
	err := s.read().QueryRowContext(ctx, qOwnedSetOf, exclude, target).Scan(&id, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return -1, nil
	}
	return id, err
}

// Owners returns, for each of paths on target that has owners other than exclude, one owner
// per distinct value (the holder of that value whose set is oldest, never exclude) ordered by
// service id; pre-existing configuration appears as owner ExternalOwner (unless exclude is
// ExternalOwner). Paths without other owners are absent from the map. Each path costs one
// index probe per distinct value held, whatever the number of holders: the probe for the
// next value skips the rest of this value's holders by key.
func (s *SQLite) Owners(ctx context.Context, target string, paths []string, exclude string) (map[string][]Owner, error) {
	out := make(map[string][]Owner)
	uniq := dedupe(paths)
	if len(uniq) == 0 {
		return out, nil
	}
	r := s.read()
	ex, err := s.excludedSet(ctx, target, exclude)
	if err != nil {
		return nil, fmt.Errorf("store: owners on %s: %w", target, err)
	}
	sr := setReader{r: r}
	for _, p := range uniq {
		node := nodeKey(target, p)
		var after any = int64(0) // sorts before every TEXT and BLOB
		afterSet := int64(0)
		for {
			var vk any
			var id int64
			err := r.QueryRowContext(ctx, qOwnerNext, node, after, afterSet, ex).Scan(&vk, &id)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("store: owners on %s: %w", target, err)
			}
			set, err := sr.get(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("store: owners on %s: %w", target, err)
			}
			l, ok := findLeaf(set.leaves, p)
			if set.target != target || !ok || !sameValueKey(vk, l.Value) {
				// A hash collision: this entry is another path's. Look at the next holder.
				after, afterSet = vk, id
				continue
			}
			out[p] = append(out[p], Owner{Service: set.service, Value: l.Value})
			after, afterSet = vk, math.MaxInt64
		}
	}
	if exclude != ExternalOwner {
		for _, c := range chunk(uniq, maxParams) {
			args := make([]any, 0, len(c)+1)
			args = append(args, target)
			for _, p := range c {
				args = append(args, p)
			}
			if err := s.ownersExternal(ctx, fmt.Sprintf(qOwnersExternal, placeholders(len(c))), args, out); err != nil {
				return nil, fmt.Errorf("store: owners on %s: %w", target, err)
			}
		}
	}
	for p := range out {
		sort.Slice(out[p], func(i, j int) bool { return out[p][i].Service < out[p][j].Service })
	}
	return out, nil
}

func (s *SQLite) ownersExternal(ctx context.Context, q string, args []any, out map[string][]Owner) error {
	rows, err := s.read().QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var path string
		o := Owner{Service: ExternalOwner}
		if err := rows.Scan(&path, &o.Value); err != nil {
			return err
		}
		out[path] = append(out[path], o)
	}
	return rows.Err()
}

// OwnedBelow reports, for each of paths, whether a node strictly below it (a path that
// starts with path + "/") on target is owned by a service other than exclude, or is
// pre-existing configuration (unless exclude is ExternalOwner). Each answer is one probe of
// owned_below (which holds every such prefix once per set), whatever the number of holders;
// paths with no such node are absent from the map.
func (s *SQLite) OwnedBelow(ctx context.Context, target string, paths []string, exclude string) (map[string]bool, error) {
	out := make(map[string]bool)
	r := s.read()
	ex, err := s.excludedSet(ctx, target, exclude)
	if err != nil {
		return nil, fmt.Errorf("store: owned below on %s: %w", target, err)
	}
	sr := setReader{r: r}
	for _, p := range dedupe(paths) {
		node := nodeKey(target, p)
		after := int64(0)
		for {
			var id int64
			err := r.QueryRowContext(ctx, qBelowNext, node, after, ex).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("store: owned below on %s %s: %w", target, p, err)
			}
			set, err := sr.get(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("store: owned below on %s %s: %w", target, p, err)
			}
			if set.target == target && hasBelow(set.leaves, p) {
				out[p] = true
				break
			}
			after = id // a hash collision: look further
		}
		if out[p] || exclude == ExternalOwner {
			continue
		}
		var one int
		switch err := r.QueryRowContext(ctx, qExternalBelow, target, p+"/", p+"0").Scan(&one); {
		case err == nil:
			out[p] = true
		case errors.Is(err, sql.ErrNoRows):
		default:
			return nil, fmt.Errorf("store: owned below on %s %s: %w", target, p, err)
		}
	}
	return out, nil
}

func dedupe(xs []string) []string {
	seen := make(map[string]struct{}, len(xs))
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if _, ok := seen[x]; !ok {
			seen[x] = struct{}{}
			out = append(out, x)
		}
	}
	return out
}
