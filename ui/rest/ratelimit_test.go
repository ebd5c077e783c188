package rest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := &RateLimiter{Rate: 2, Burst: 3, Now: func() time.Time { return now }}
	tests := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		{"burst 1", 0, "a", true},
		{"burst 2", 0, "a", true},
		{"burst 3", 0, "a", true},
		{"empty", 0, "a", false},
		{"other caller", 0, "b", true},
		{"refilled one", 500 * time.Millisecond, "a", true},
		{"empty again", 0, "a", false},
	}
	for _, tc := range tests {
		now = now.Add(tc.advance)
		if got, _ := l.Allow(tc.key); got != tc.want {
			t.Errorf("%s: Allow = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRateLimitMiddleware(t *testing.T) {
	l := &RateLimiter{Rate: 1, Burst: 1, Now: func() time.Time { return time.Unix(0, 0) }}
	h := RateLimit(l)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	codes := []int{}
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/me", nil))
		codes = append(codes, w.Code)
		if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") != "1" {
			t.Errorf("Retry-After = %q", w.Header().Get("Retry-After"))
		}
	}
	if codes[0] != 200 || codes[1] != 429 {
		t.Fatalf("codes %v, want [200 429]", codes)
	}
}

// TestRateLimiterPeek: Peek reports an empty bucket and the wait without taking a token.
func TestRateLimiterPeek(t *testing.T) {
	now := time.Unix(1000, 0)
	l := &RateLimiter{Rate: 1, Burst: 2, Now: func() time.Time { return now }}
	tests := []struct {
		name     string
		peek     bool
		want     bool
		wantWait time.Duration
	}{
		{"unknown caller", true, true, 0},
		{"peek takes nothing", true, true, 0},
		{"take 1", false, true, 0},
		{"take 2", false, true, 0},
		{"peek empty", true, false, time.Second},
		{"still empty", false, false, time.Second},
	}
	for _, tc := range tests {
		f := l.Allow
		if tc.peek {
			f = l.Peek
		}
		if got, wait := f("a"); got != tc.want || wait != tc.wantWait {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, wait, tc.want, tc.wantWait)
		}
	}
}
