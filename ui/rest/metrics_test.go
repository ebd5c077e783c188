package rest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest/resttest"
)

// TestQueueDepthGauge: the gauge counts unfinished runs in the store (those executing here
// and those parked for recovery), and drops when they finish.
func TestQueueDepthGauge(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	scrape := func() string {
		t.Helper()
		res, err := http.Get(env.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "xprov_runs_queue_depth "); ok {
				return v
			}
		}
		t.Fatalf("no xprov_runs_queue_depth in:\n%s", b)
		return ""
	}
	if got := scrape(); got != "0" {
		t.Fatalf("empty: %s", got)
	}
	var runs []store.Run
	for i, st := range []string{store.RunPending, store.RunRunning, store.RunSucceeded} {
		r := store.Run{ID: fmt.Sprint("run-q", i), Service: "q", Kind: store.RunCreate, State: st}
		if err := env.Store.CreateRun(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	if got := scrape(); got != "2" {
		t.Fatalf("two unfinished: %s", got)
	}
	runs[0].State = store.RunCancelled
	if err := env.Store.UpdateRun(t.Context(), runs[0]); err != nil {
		t.Fatal(err)
	}
	if got := scrape(); got != "1" {
		t.Fatalf("one unfinished: %s", got)
	}
}
