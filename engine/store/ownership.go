package store

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
)

// Ownership is stored per (service, target) as one owned_sets row whose leaves column is an
// encoded leaf list, plus two narrow indexes keyed by a hash of (target, path): owned_nodes
// (one entry per leaf, for Owners) and owned_below (a counter per path prefix, for
// OwnedBelow). See migrations/0006_compact_ownership.sql.

// The first byte of an encoded leaf list says how the rest is stored.
const (
	leavesPlain    = 1 // the leaf list as encodeLeaves writes it
	leavesDeflated = 2 // the same, deflated (compress/flate): repeated port names, values
)

// deflateMin is the plain size from which a leaf list is deflated: below it, flate's header
// and block overhead eat what it saves.
const deflateMin = 128

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
// last segment and its value; a list of deflateMin bytes or more is also deflated when that
// is shorter (what is left repeats: port and service names, descriptions).
func encodeLeaves(ls []OwnedLeaf) []byte {
	n := 1
	for _, l := range ls {
		n += len(l.Path) + len(l.Value) + 3
	}
	b := make([]byte, 1, n)
	b[0] = leavesPlain
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
	if len(b) < deflateMin {
		return b
	}
	if d := deflate(b[1:]); len(d)+1 < len(b) {
		return append([]byte{leavesDeflated}, d...)
	}
	return b
}

// A flate writer allocates about a megabyte of tables: writers and readers are reused.
var (
	flateWriters = sync.Pool{New: func() any {
		w, err := flate.NewWriter(io.Discard, flate.BestSpeed)
		if err != nil {
			panic("store: " + err.Error()) // only for a bad level
		}
		return w
	}}
	flateReaders = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}
)

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w := flateWriters.Get().(*flate.Writer)
	defer flateWriters.Put(w)
	w.Reset(&buf)
	// Writing to a bytes.Buffer does not fail.
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func inflate(b []byte) ([]byte, error) {
	r := flateReaders.Get().(io.ReadCloser)
	defer flateReaders.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(b), nil); err != nil {
		return nil, err
	}
	return io.ReadAll(r)
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
	switch {
	case len(b) == 0:
		return nil, errBadLeaves
	case b[0] == leavesPlain:
		b = b[1:]
	case b[0] == leavesDeflated:
		var err error
		if b, err = inflate(b[1:]); err != nil {
			return nil, fmt.Errorf("%w: %w", errBadLeaves, err)
		}
	default:
		return nil, fmt.Errorf("%w: version %d", errBadLeaves, b[0])
	}
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

// belowKey is the owned_below key of a prefix on a target: all 64 bits, because a counter
// cannot be checked against its holders.
func belowKey(target, prefix string) int64 {
	return int64(fnv64(target, prefix))
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
			below = append(below, belowKey(target, pre))
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
			tx.queue(service, insBelow, n, 1)
		}
	}
	for _, n := range oldBelow {
		if !keepBelow[n] {
			tx.queue(service, insBelow, n, -1)
			tx.belowDropped = append(tx.belowDropped, n)
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

// excludedSet returns exclude's set on target; its id is -1 (no set has it) when exclude
// owns nothing there.
func (s *SQLite) excludedSet(ctx context.Context, target, exclude string) (ownedSet, error) {
	set := ownedSet{id: -1, service: exclude, target: target}
	if exclude == "" || exclude == ExternalOwner {
		return set, nil
	}
	var blob []byte
	err := s.read().QueryRowContext(ctx, qOwnedSetOf, exclude, target).Scan(&set.id, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		set.id = -1
		return set, nil
	}
	if err != nil {
		return set, err
	}
	if set.leaves, err = decodeLeaves(target, blob); err != nil {
		return set, fmt.Errorf("set %d: %w", set.id, err)
	}
	return set, nil
}

// Owners returns, for each of paths on target that has owners other than exclude, one owner
// per distinct value (the holder of that value whose set is oldest, never exclude) ordered by
// service id; pre-existing configuration appears as owner ExternalOwner (unless exclude is
// ExternalOwner). Paths without other owners are absent from the map. Each path costs one
// index probe per distinct value held, whatever the number of holders: the probe for the
// next value skips the rest of this value's holders by key. Further excluded services (a
// batch's) are skipped while walking a value's holders, so each costs at most one more probe.
func (s *SQLite) Owners(ctx context.Context, target string, paths []string, exclude ...string) (map[string][]Owner, error) {
	first := ""
	var skip map[string]bool
	for i, x := range exclude {
		if i == 0 {
			first = x
			continue
		}
		if skip == nil {
			skip = map[string]bool{}
		}
		skip[x] = true
	}
	// The index probe and the holders' sets are read by separate statements on the read pool,
	// so a writer can remove a set in between (a service recorded meanwhile): read again, the
	// next pass sees the newer state whole.
	for try := 0; ; try++ {
		out, err := s.owners(ctx, target, paths, first, skip)
		if err == nil || !errors.Is(err, sql.ErrNoRows) || try == 4 {
			return out, err
		}
	}
}

func (s *SQLite) owners(ctx context.Context, target string, paths []string, exclude string, skip map[string]bool) (map[string][]Owner, error) {
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
	skipIDs, err := s.setIDs(ctx, target, skip)
	if err != nil {
		return nil, fmt.Errorf("store: owners on %s: %w", target, err)
	}
	sr := setReader{r: r}
	for _, c := range chunk(uniq, ownersPerQuery) {
		// The first probe of every path in one statement; ownersOf probes further only for
		// paths whose first two holders leave it unsure.
		args := make([]any, 0, 4*len(c))
		for i, p := range c {
			args = append(args, i, nodeKey(target, p), ex.id, skipIDs)
		}
		rows, err := r.QueryContext(ctx, ownersFirstSQL(len(c)), args...)
		if err != nil {
			return nil, fmt.Errorf("store: owners on %s: %w", target, err)
		}
		first := make([][]holder, len(c))
		for rows.Next() {
			var i int
			var h holder
			if err := rows.Scan(&i, &h.vk, &h.id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: owners on %s: %w", target, err)
			}
			if i >= 0 && i < len(c) {
				first[i] = append(first[i], h)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: owners on %s: %w", target, err)
		}
		for i, p := range c {
			if err := s.ownersOf(ctx, &sr, target, p, ex.id, skipIDs, skip, first[i], out); err != nil {
				return nil, fmt.Errorf("store: owners on %s: %w", target, err)
			}
		}
	}
	if exclude != ExternalOwner && !skip[ExternalOwner] {
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

// setIDs returns, as a JSON array for the owner probes, the ids of the sets the services in
// skip hold on target ("[]" for none).
func (s *SQLite) setIDs(ctx context.Context, target string, skip map[string]bool) (string, error) {
	if len(skip) == 0 {
		return "[]", nil
	}
	names := make([]string, 0, len(skip))
	for n := range skip {
		names = append(names, n)
	}
	arg, err := json.Marshal(names)
	if err != nil {
		return "", err
	}
	rows, err := s.read().QueryContext(ctx, qSetIDsOf, target, string(arg))
	if err != nil {
		return "", err
	}
	ids, err := collect(rows, func(sc scanner) (int64, error) {
		var id int64
		err := sc.Scan(&id)
		return id, err
	})
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(ids)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		return "[]", nil
	}
	return string(b), nil
}

// ownersPerQuery is how many paths' first probes go in one statement.
const ownersPerQuery = 32

// ownersFirstSQL is the first probe (qOwnerFirst) of n paths in one statement.
func ownersFirstSQL(n int) string {
	return strings.TrimSuffix(strings.Repeat(qOwnerFirst+" UNION ALL ", n), " UNION ALL ")
}

// holder is one owned_nodes entry of a node: its value key and set.
type holder struct {
	vk any
	id int64
}

// ownersOf adds to out[p] one holder of each distinct value of p on target, skipping set ex
// and the sets of the services in skip. first is the answer of the first probe (up to two
// holders, in key order).
func (s *SQLite) ownersOf(ctx context.Context, sr *setReader, target, p string, ex int64, skipIDs string, skip map[string]bool, first []holder, out map[string][]Owner) error {
	node := nodeKey(target, p)
	// (after, afterSet) is the key the next probe starts after; int64(0) sorts before every
	// TEXT and BLOB value.
	var after any = int64(0)
	afterSet := int64(0)
	var taken any // the value key of the last owner added
	hs := first
	for {
		for _, h := range hs {
			if taken != nil && sameKey(h.vk, taken) {
				continue // another holder of a value already answered
			}
			set, err := sr.get(ctx, h.id)
			if err != nil {
				return err
			}
			l, ok := findLeaf(set.leaves, p)
			if set.target != target || !ok || !sameValueKey(h.vk, l.Value) || skip[set.service] {
				// A hash collision (the entry is another path's) or a skipped service: look
				// at the next holder.
				after, afterSet = h.vk, h.id
				continue
			}
			out[p] = append(out[p], Owner{Service: set.service, Value: l.Value})
			taken, after, afterSet = h.vk, h.vk, math.MaxInt64
		}
		if len(hs) < 2 {
			return nil
		}
		rows, err := sr.r.QueryContext(ctx, qOwnerNext, node, after, afterSet, ex, skipIDs)
		if err != nil {
			return err
		}
		if hs, err = collect(rows, func(sc scanner) (holder, error) {
			var h holder
			err := sc.Scan(&h.vk, &h.id)
			return h, err
		}); err != nil {
			return err
		}
	}
}

// sameKey compares two value keys read back from SQLite.
func sameKey(a, b any) bool {
	switch a := a.(type) {
	case string:
		b, ok := b.(string)
		return ok && a == b
	case []byte:
		b, ok := b.([]byte)
		return ok && string(a) == string(b)
	}
	return false
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
// pre-existing configuration (unless exclude is ExternalOwner). Each answer reads one counter
// of owned_below (how many sets have a path below; 500 paths a statement), whatever the
// number of holders, less exclude's own; paths with no such node are absent from the map.
func (s *SQLite) OwnedBelow(ctx context.Context, target string, paths []string, exclude string) (map[string]int, error) {
	out := make(map[string]int)
	r := s.read()
	ex, err := s.excludedSet(ctx, target, exclude)
	if err != nil {
		return nil, fmt.Errorf("store: owned below on %s: %w", target, err)
	}
	uniq := dedupe(paths)
	counts := make(map[int64]int64, len(uniq))
	for _, c := range chunk(uniq, maxParams) {
		args := make([]any, len(c))
		for i, p := range c {
			args[i] = belowKey(target, p)
		}
		rows, err := r.QueryContext(ctx, fmt.Sprintf(qOwnedBelowCounts, placeholders(len(c))), args...)
		if err != nil {
			return nil, fmt.Errorf("store: owned below on %s: %w", target, err)
		}
		for rows.Next() {
			var node, n int64
			if err := rows.Scan(&node, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: owned below on %s: %w", target, err)
			}
			counts[node] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: owned below on %s: %w", target, err)
		}
	}
	for _, p := range uniq {
		n := counts[belowKey(target, p)]
		if n > 0 && hasBelow(ex.leaves, p) {
			n--
		}
		if exclude != ExternalOwner {
			var one int
			switch err := r.QueryRowContext(ctx, qExternalBelow, target, p+"/", p+"0").Scan(&one); {
			case err == nil:
				n++
			case errors.Is(err, sql.ErrNoRows):
			default:
				return nil, fmt.Errorf("store: owned below on %s %s: %w", target, p, err)
			}
		}
		if n > 0 {
			out[p] = int(n)
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
