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

// TestPoolGauges: /metrics shows each pool's use over its scopes and how full its fullest
// scope is, against the range the packs declare (vc-id 1000-1999 in the test pack).
func TestPoolGauges(t *testing.T) {
	env := resttest.New(t, resttest.Options{})
	ctx := t.Context()
	for i, scope := range []string{"pe1|pe2", "pe1|pe2", "pe1|pe2", "pe1|sr1"} {
		svc := fmt.Sprint("pool-", i)
		if err := env.Store.PutServiceState(ctx, store.Service{ID: svc, Type: "eline", State: store.StateCreating}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Store.Allocate(ctx, store.AllocateParams{Pool: "vc-id", Scope: scope, Service: svc, Lo: 1000, Hi: 1999}); err != nil {
			t.Fatal(err)
		}
	}
	// A pool no pack declares (left by a removed pack) has no size and no ratio.
	if err := env.Store.PutServiceState(ctx, store.Service{ID: "old", Type: "eline", State: store.StateCreating}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.Allocate(ctx, store.AllocateParams{Pool: "gone", Scope: "global", Service: "old", Lo: 1, Hi: 9}); err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(env.Server.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var got []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "xprov_pool_") {
			got = append(got, l)
		}
	}
	want := []string{
		`xprov_pool_fullest_ratio{pool="vc-id"} 0.003`,
		`xprov_pool_fullest_used{pool="gone"} 1`,
		`xprov_pool_fullest_used{pool="vc-id"} 3`,
		`xprov_pool_scopes{pool="gone"} 1`,
		`xprov_pool_scopes{pool="vc-id"} 2`,
		`xprov_pool_size{pool="vc-id"} 1000`,
		`xprov_pool_used{pool="gone"} 1`,
		`xprov_pool_used{pool="vc-id"} 4`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pool series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
