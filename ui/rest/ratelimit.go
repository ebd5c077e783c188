package rest

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimiter is a token bucket per caller: Rate requests per second on average, bursts of
// Burst. The zero Rate disables it.
type RateLimiter struct {
	Rate  float64
	Burst int
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// Allow takes one token from key's bucket. When none is left it returns false and how long
// until one is.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	return l.take(key, true)
}

// Peek reports what Allow would without taking a token: false and how long until a token is
// there when key's bucket is empty.
func (l *RateLimiter) Peek(key string) (bool, time.Duration) {
	return l.take(key, false)
}

func (l *RateLimiter) take(key string, take bool) (bool, time.Duration) {
	if l == nil || l.Rate <= 0 {
		return true, 0
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	burst := float64(max(l.Burst, 1))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	// Forget callers idle long enough to have a full bucket again, so the map stays small.
	if now.Sub(l.sweep) > time.Minute {
		full := time.Duration(burst / l.Rate * float64(time.Second))
		for k, b := range l.buckets {
			if now.Sub(b.last) > full {
				delete(l.buckets, k)
			}
		}
		l.sweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		if !take {
			return true, 0
		}
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*l.Rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
	}
	if take {
		b.tokens--
	}
	return true, 0
}

// clientAddr is the address a request comes from, without the port (a client opens a new
// connection, with a new port, whenever it likes).
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// writeRateLimited answers 429 with Retry-After (whole seconds, at least 1).
func writeRateLimited(w http.ResponseWriter, r *http.Request, wait time.Duration, detail string) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	writeProblem(w, r, Problem{Type: ProblemTypeBase + "rate-limited", Title: http.StatusText(http.StatusTooManyRequests),
		Status: http.StatusTooManyRequests, Detail: detail})
}

// RateLimit is middleware that answers 429 with Retry-After when the caller (its token, or its
// address before authentication) has used up its bucket.
func RateLimit(l *RateLimiter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := "addr:" + clientAddr(r)
			if p, ok := principalOf(r.Context()); ok {
				key = "token:" + p.TokenID
			}
			if ok, wait := l.Allow(key); !ok {
				writeRateLimited(w, r, wait, "too many requests; retry later")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
