// Package queue orders requests over shared resources: every request declares the keys it
// touches (targets, its service) when it is enqueued, takes a sequence number and joins every
// key's FIFO in one step. A request runs when it is at the head of all its keys' queues, so if
// A is ahead of B on one key it is ahead of B on every key they share: no deadlock by
// construction, and nothing is held while waiting for something else.
//
// Consecutive heads are grouped into batches (group commit): a waiting ticket joins a batch
// when every ticket ahead of it on each of its keys is already in that batch. A batch is then
// planned, applied (one commit per target) and recorded (one store transaction) as one unit by
// the caller, which marks its tickets Done to let the tickets behind them go.
//
// Exclusive keys (a service id) never share a batch: two requests on one service are run one
// after the other.
package queue

import (
	"sync"
)

// Ticket is one request's place in the queues.
type Ticket struct {
	// Seq is the global order: lower runs first wherever two tickets share a key.
	Seq uint64
	// Keys are the shared resources the request touches (targets); sorted, unique.
	Keys []string
	// Exclusive keys also order the request, and a batch never holds two tickets with the
	// same exclusive key.
	Exclusive []string
	// Alone tickets run in a batch of their own.
	Alone bool
	// Value is the caller's request.
	Value any

	state state
	batch int
}

type state int

const (
	waiting state = iota
	running
	done
)

// Queue holds the per-key queues. It is safe for concurrent use.
type Queue struct {
	mu       sync.Mutex
	seq      uint64
	keys     map[string][]*Ticket // key -> tickets in seq order (waiting and running)
	order    []*Ticket            // waiting tickets in seq order
	maxBatch int
	running  int // batches handed out and not done
	changed  chan struct{}
}

// New returns a queue that puts at most maxBatch tickets in one batch (at least 1).
func New(maxBatch int) *Queue {
	if maxBatch < 1 {
		maxBatch = 1
	}
	return &Queue{keys: map[string][]*Ticket{}, maxBatch: maxBatch, changed: make(chan struct{})}
}

// Item is one request to enqueue.
type Item struct {
	Keys, Exclusive []string
	// Alone asks for a batch of its own (still ordered on its keys).
	Alone bool
	Value any
}

// Enqueue gives a request its place behind everything enqueued before it, on every key at once.
func (q *Queue) Enqueue(keys, exclusive []string, v any) *Ticket {
	return q.EnqueueAll([]Item{{Keys: keys, Exclusive: exclusive, Value: v}})[0]
}

// EnqueueAll enqueues several requests in one step, in order: nothing else comes between
// them, so they can be batched together.
func (q *Queue) EnqueueAll(items []Item) []*Ticket {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]*Ticket, len(items))
	for i, it := range items {
		q.seq++
		t := &Ticket{Seq: q.seq, Keys: uniq(it.Keys), Exclusive: uniq(it.Exclusive), Alone: it.Alone, Value: it.Value}
		for _, k := range t.all() {
			q.keys[k] = append(q.keys[k], t)
		}
		q.order = append(q.order, t)
		out[i] = t
	}
	q.wakeLocked()
	return out
}

// Remove takes a waiting ticket out of its queues (a cancelled request); it reports false
// when the ticket is already in a batch or done.
func (q *Queue) Remove(t *Ticket) bool {
	q.mu.Lock()
	if t.state != waiting {
		q.mu.Unlock()
		return false
	}
	for i, x := range q.order {
		if x == t {
			q.order = append(q.order[:i:i], q.order[i+1:]...)
			break
		}
	}
	q.mu.Unlock()
	q.Done(t)
	return true
}

func (t *Ticket) all() []string {
	if len(t.Exclusive) == 0 {
		return t.Keys
	}
	out := make([]string, 0, len(t.Keys)+len(t.Exclusive))
	out = append(out, t.Keys...)
	for _, x := range t.Exclusive {
		out = append(out, "\x00"+x)
	}
	return out
}

// Changed is closed when the queue changes (a ticket enqueued or done); take it again after.
func (q *Queue) Changed() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.changed
}

func (q *Queue) wakeLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Next forms up to max new batches from the waiting tickets (max <= 0: no limit) and marks
// their tickets running. Each batch is in seq order; batches share no key, so they can run in
// parallel.
func (q *Queue) Next(max int) [][]*Ticket {
	q.mu.Lock()
	defer q.mu.Unlock()
	// blocked keys: held by a running ticket or by a waiting ticket that stays behind. owner:
	// which new batch a key went to in this pass.
	blocked := map[string]bool{}
	for k, ts := range q.keys {
		if len(ts) > 0 && ts[0].state == running {
			blocked[k] = true
		}
	}
	owner := map[string]int{}
	closed := map[int]bool{} // batches holding an Alone ticket
	var batches [][]*Ticket
	var keep []*Ticket
	for _, t := range q.order {
		all := t.all()
		join := -1
		ok := true
		for _, k := range all {
			if blocked[k] {
				ok = false
				break
			}
			if b, in := owner[k]; in {
				if join >= 0 && join != b {
					ok = false // would merge two batches: wait for the next pass
					break
				}
				join = b
			}
		}
		if ok && join >= 0 {
			if len(batches[join]) >= q.maxBatch || closed[join] || t.Alone {
				ok = false
			}
			for _, x := range t.Exclusive {
				if _, in := owner["\x00"+x]; in {
					ok = false
				}
			}
		}
		if ok && join < 0 && max > 0 && len(batches) >= max {
			ok = false
		}
		if !ok {
			for _, k := range all {
				blocked[k] = true
			}
			keep = append(keep, t)
			continue
		}
		if join < 0 {
			join = len(batches)
			batches = append(batches, nil)
		}
		batches[join] = append(batches[join], t)
		if t.Alone {
			closed[join] = true
		}
		t.state, t.batch = running, join
		for _, k := range all {
			owner[k] = join
		}
	}
	q.order = keep
	q.running += len(batches)
	return batches
}

// Done removes finished tickets from their queues, letting the tickets behind them go.
func (q *Queue) Done(ts ...*Ticket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, t := range ts {
		if t.state == done {
			continue
		}
		t.state = done
		for _, k := range t.all() {
			s := q.keys[k]
			for i, x := range s {
				if x == t {
					s = append(s[:i:i], s[i+1:]...)
					break
				}
			}
			if len(s) == 0 {
				delete(q.keys, k)
			} else {
				q.keys[k] = s
			}
		}
	}
	q.wakeLocked()
}

// BatchDone tells the queue one batch handed out by Next has finished (all its tickets Done).
func (q *Queue) BatchDone() {
	q.mu.Lock()
	q.running--
	q.wakeLocked()
	q.mu.Unlock()
}

// Holds reports whether a ticket waiting or running holds key, as a key or as an exclusive
// key.
func (q *Queue) Holds(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.keys[key]) > 0 || len(q.keys["\x00"+key]) > 0
}

// Running is the number of batches handed out and not finished.
func (q *Queue) Running() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.running
}

// Waiting is the number of tickets not yet in a batch.
func (q *Queue) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.order)
}

// Depth is the number of tickets (waiting or running) on each key that has any.
func (q *Queue) Depth() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make(map[string]int, len(q.keys))
	for k, ts := range q.keys {
		if k != "" && k[0] != 0 {
			out[k] = len(ts)
		}
	}
	return out
}

func uniq(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
