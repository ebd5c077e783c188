package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/xprov/xprov/engine/store"
)

// sseHeartbeat keeps idle event streams alive through proxies.
const sseHeartbeat = 15 * time.Second

// events streams engine events as server-sent events: `id` is the event's seq, `event` its
// type, `data` the event as JSON. A client resumes with Last-Event-ID (or ?after=seq; 0 replays
// the history); without either it gets the events from now on. ?service= and ?run= narrow the
// stream.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, given, err := eventCursor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !given {
		if after, err = s.state.LastEventSeq(r.Context()); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	service, runID := q.Get("service"), q.Get("run")
	rc := http.NewResponseController(w)
	// Streams outlive any server write timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // the headers are the answer; a stream would hold the connection
	}
	fmt.Fprint(w, ": xprov events\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	ctx := r.Context()
	evs := s.eng.Subscribe(ctx, after)
	tick := time.NewTicker(sseHeartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.streams.Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
		case ev, ok := <-evs:
			if !ok {
				return
			}
			if (service != "" && ev.Service != service) || (runID != "" && ev.RunID != runID) {
				continue
			}
			writeEvent(w, ev)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, ev store.Event) {
	data, _ := json.Marshal(ev)
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, data)
}

// eventCursor reads where a stream starts: Last-Event-ID (a reconnecting client), else ?after;
// given is false when the request names neither.
func eventCursor(r *http.Request) (after int64, given bool, err error) {
	v, name := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if v == "" {
		v, name = r.URL.Query().Get("after"), "after"
	}
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, badRequest("%s: want an event sequence number, got %q", name, v)
	}
	return n, true, nil
}
