package rest

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
)

// metrics are the Prometheus series the server exports at /metrics.
type metrics struct {
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	runs         *prometheus.CounterVec
	runDuration  *prometheus.HistogramVec
	deviceErrors *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, st store.Status) (*metrics, error) {
	m := &metrics{
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xprov_http_requests_total", Help: "HTTP requests by method, route pattern and status code.",
		}, []string{"method", "route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xprov_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xprov_runs_total", Help: "Finished runs by kind and final state.",
		}, []string{"kind", "state"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "xprov_run_duration_seconds", Help: "Duration of finished runs, from submission to the end, by kind.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"kind"}),
		deviceErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "xprov_device_errors_total", Help: "Per-target failures reported by finished runs.",
		}, []string{"target"}),
	}
	queue := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "xprov_runs_queue_depth", Help: "Runs pending or running.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := st.CountUnfinishedRuns(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.runs, m.runDuration, m.deviceErrors, queue} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("rest: register metrics: %w", err)
		}
	}
	return m, nil
}

// middleware counts requests by route pattern (never by raw path: ids would explode the
// series).
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := wrapWriter(w)
		next.ServeHTTP(sw, r)
		route := "other"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		if strings.HasSuffix(route, "/*") && !strings.HasPrefix(route, "/api/") {
			route = "ui"
		}
		m.httpRequests.WithLabelValues(r.Method, route, strconv.Itoa(sw.Status())).Inc()
		m.httpDuration.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// observeRun records a finished run.
func (m *metrics) observeRun(run store.Run) {
	m.runs.WithLabelValues(run.Kind, run.State).Inc()
	if run.Finished != nil {
		m.runDuration.WithLabelValues(run.Kind).Observe(run.Finished.Sub(run.Created).Seconds())
	}
	for _, t := range run.Targets {
		if t.Error != "" || t.State == "failed" {
			m.deviceErrors.WithLabelValues(t.Target).Inc()
		}
	}
}

// startWatcher follows the engine's event stream from now on and feeds the run metrics.
func (s *Server) startWatcher(ctx context.Context) error {
	s.streams = ctx
	seq, err := s.state.LastEventSeq(ctx)
	if err != nil {
		return fmt.Errorf("rest: start event watcher: %w", err)
	}
	evs := s.eng.Subscribe(ctx, seq)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for ev := range evs {
			state, ok := strings.CutPrefix(ev.Type, "run.")
			if !ok || !engine.Finished(state) || ev.RunID == "" {
				continue
			}
			run, err := s.st.GetRun(ctx, ev.RunID)
			if err != nil {
				continue
			}
			s.metrics.observeRun(run)
		}
	}()
	return nil
}
