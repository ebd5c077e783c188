package rest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/xprov/xprov/ui/rest/resttest"
)

// TestConcurrentIfMatchLosersGet412: twenty PUTs with the same If-Match at once give one
// winner and nineteen 412s, answered at admission: no loser leaves a run behind (issue 15 #3).
func TestConcurrentIfMatchLosersGet412(t *testing.T) {
	h := newHarness(t, resttest.Options{})
	r := h.do(t, req{method: "POST", path: "/api/v1/services?wait=true", role: operator,
		body: map[string]any{"type": "eline", "id": "race-1", "intent": eline("acme", 160, "pe1:ge-0/0/1", "sr1:1/1/1")}})
	wantStatus(t, r, http.StatusOK)
	tag := h.do(t, req{method: "GET", path: "/api/v1/services/race-1", role: viewer}).Header.Get("ETag")

	const n = 20
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mod := map[string]any{"intent": eline(fmt.Sprintf("acme-%d", i), 170+i, "pe1:ge-0/0/1", "sr1:1/1/1")}
			r := h.do(t, req{method: "PUT", path: "/api/v1/services/race-1?wait=true", role: operator, body: mod,
				header: map[string]string{"If-Match": tag}})
			codes[i] = r.Status
			if r.Status != http.StatusOK && r.Status != http.StatusPreconditionFailed {
				t.Logf("%d: %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusPreconditionFailed] != n-1 {
		t.Fatalf("statuses = %v, want one 200 and %d x 412", count, n-1)
	}
	var runs struct {
		Items []struct{ Kind, State string }
	}
	h.do(t, req{method: "GET", path: "/api/v1/runs?service=race-1", role: viewer}).json(t, &runs)
	if len(runs.Items) != 2 {
		t.Fatalf("runs of race-1 = %+v, want the create and one modify", runs.Items)
	}
	for _, r := range runs.Items {
		if r.State != "succeeded" {
			t.Fatalf("run %+v: the losers must leave no run", r)
		}
	}
}
