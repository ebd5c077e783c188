package queue

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
)

func seqs(bs [][]*Ticket) string {
	var parts []string
	for _, b := range bs {
		var s []string
		for _, t := range b {
			s = append(s, fmt.Sprint(t.Seq))
		}
		parts = append(parts, strings.Join(s, ","))
	}
	return strings.Join(parts, " | ")
}

func TestNextBatches(t *testing.T) {
	type req struct {
		keys, excl []string
	}
	tests := []struct {
		name     string
		maxBatch int
		reqs     []req
		want     string
	}{
		{name: "consecutive heads on one key batch together", maxBatch: 10,
			reqs: []req{{keys: []string{"pe1"}}, {keys: []string{"pe1"}}, {keys: []string{"pe1"}}}, want: "1,2,3"},
		{name: "disjoint keys give parallel batches", maxBatch: 10,
			reqs: []req{{keys: []string{"pe1"}}, {keys: []string{"pe2"}}}, want: "1 | 2"},
		{name: "a request spanning two batches waits", maxBatch: 10,
			reqs: []req{{keys: []string{"pe1"}}, {keys: []string{"pe2"}}, {keys: []string{"pe1", "pe2"}}, {keys: []string{"pe2"}}},
			want: "1 | 2"},
		{name: "spanning request joins when it is the first", maxBatch: 10,
			reqs: []req{{keys: []string{"pe1", "pe2"}}, {keys: []string{"pe2"}}, {keys: []string{"pe1"}}}, want: "1,2,3"},
		{name: "batch size bounds and keeps order", maxBatch: 2,
			reqs: []req{{keys: []string{"pe1"}}, {keys: []string{"pe1"}}, {keys: []string{"pe1"}}, {keys: []string{"pe2"}}}, want: "1,2 | 4"},
		{name: "exclusive keys never share a batch", maxBatch: 10,
			reqs: []req{{keys: []string{"pe1"}, excl: []string{"s1"}}, {keys: []string{"pe1"}, excl: []string{"s1"}}, {keys: []string{"pe1"}, excl: []string{"s2"}}},
			want: "1"},
		{name: "exclusive key alone orders requests without targets", maxBatch: 10,
			reqs: []req{{excl: []string{"s1"}}, {excl: []string{"s1"}}, {excl: []string{"s2"}}}, want: "1 | 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := New(tc.maxBatch)
			for _, r := range tc.reqs {
				q.Enqueue(r.keys, r.excl, nil)
			}
			if got := seqs(q.Next(0)); got != tc.want {
				t.Fatalf("batches %q, want %q", got, tc.want)
			}
			if got := q.Next(0); len(got) != 0 {
				t.Fatalf("second pass while running gave %q", seqs(got))
			}
		})
	}
}

func TestDoneReleasesTheNext(t *testing.T) {
	q := New(1)
	a := q.Enqueue([]string{"pe1", "pe2"}, nil, "a")
	q.Enqueue([]string{"pe2", "pe1"}, nil, "b")
	bs := q.Next(0)
	if seqs(bs) != "1" {
		t.Fatalf("got %q", seqs(bs))
	}
	q.Done(a)
	q.BatchDone()
	if got := seqs(q.Next(0)); got != "2" {
		t.Fatalf("after done got %q", got)
	}
	if q.Running() != 1 || q.Waiting() != 0 {
		t.Fatalf("running %d waiting %d", q.Running(), q.Waiting())
	}
}

func TestNextHonoursMaxBatches(t *testing.T) {
	q := New(10)
	q.Enqueue([]string{"a"}, nil, nil)
	q.Enqueue([]string{"b"}, nil, nil)
	q.Enqueue([]string{"c"}, nil, nil)
	if got := seqs(q.Next(2)); got != "1 | 2" {
		t.Fatalf("got %q", got)
	}
	if got := seqs(q.Next(2)); got != "3" {
		t.Fatalf("got %q", got)
	}
}

// TestRandomOrderHolds runs many workers over random key sets and checks the invariant: for
// every key, tickets ran in seq order, and no key was held by two batches at once.
func TestRandomOrderHolds(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	q := New(4)
	keys := []string{"pe1", "pe2", "pe3", "sam"}
	const n = 2000
	for i := 0; i < n; i++ {
		k := []string{keys[rng.Intn(len(keys))], keys[rng.Intn(len(keys))]}
		q.Enqueue(k, []string{fmt.Sprint("s", rng.Intn(50))}, nil)
	}
	var mu sync.Mutex
	held := map[string]bool{}
	ran := map[string][]uint64{}
	var wg sync.WaitGroup
	finished := 0
	for finished < n {
		ch := q.Changed()
		bs := q.Next(3)
		for _, b := range bs {
			mu.Lock()
			for _, tk := range b {
				for _, k := range tk.all() {
					ran[k] = append(ran[k], tk.Seq)
				}
			}
			for _, k := range batchKeys(b) {
				if held[k] {
					t.Errorf("key %q held by two batches", k)
				}
				held[k] = true
			}
			mu.Unlock()
			finished += len(b)
			wg.Add(1)
			go func(b []*Ticket) {
				defer wg.Done()
				mu.Lock()
				for _, k := range batchKeys(b) {
					held[k] = false
				}
				mu.Unlock()
				q.Done(b...)
				q.BatchDone()
			}(b)
		}
		if finished < n && len(bs) == 0 {
			<-ch
		}
	}
	wg.Wait()
	for k, s := range ran {
		if !sort.SliceIsSorted(s, func(i, j int) bool { return s[i] < s[j] }) {
			t.Fatalf("key %q ran out of order", k)
		}
	}
	if q.Waiting() != 0 || q.Running() != 0 || len(q.Depth()) != 0 {
		t.Fatalf("left: waiting %d running %d depth %v", q.Waiting(), q.Running(), q.Depth())
	}
}

func batchKeys(b []*Ticket) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range b {
		for _, k := range t.all() {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func TestHolds(t *testing.T) {
	q := New(10)
	tk := q.Enqueue([]string{"pe1"}, []string{"svc-1"}, nil)
	for _, k := range []string{"pe1", "svc-1"} {
		if !q.Holds(k) {
			t.Errorf("Holds(%s) = false with a waiting ticket", k)
		}
	}
	if q.Holds("pe2") {
		t.Error("Holds(pe2) = true")
	}
	q.Next(1)
	if !q.Holds("svc-1") {
		t.Error("Holds(svc-1) = false with a running ticket")
	}
	q.Done(tk)
	if q.Holds("svc-1") || q.Holds("pe1") {
		t.Error("Holds after Done")
	}
}
