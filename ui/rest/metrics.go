package rest

import (
	"context"
	"fmt"
	"net/http"
	"sort"
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

// newMetrics registers the server's series; pools (may be nil) gives the pools' usage per
// scope with their sizes, for the pool pressure gauges.
func newMetrics(reg prometheus.Registerer, st store.Status, pools func(context.Context) ([]PoolInfo, error)) (*metrics, error) {
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
	cs := []prometheus.Collector{m.httpRequests, m.httpDuration, m.runs, m.runDuration, m.deviceErrors, queue}
	if pools != nil {
		cs = append(cs, poolCollector{usage: pools})
	}
	for _, c := range cs {
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

// Pool pressure, so that exhaustion is seen ahead: per pool, the values in use over all its
// scopes, how many scopes it has, the size of one scope (every scope of a pool has the same
// range) and how full the fullest scope is. A pool fails a request when one scope is full,
// whatever the others hold, so alert on xprov_pool_fullest_ratio.
var (
	poolUsedDesc = prometheus.NewDesc("xprov_pool_used",
		"Values in use in the pool, summed over its scopes.", []string{"pool"}, nil)
	poolScopesDesc = prometheus.NewDesc("xprov_pool_scopes",
		"Scopes of the pool that ever held a value (devices, ports, PE pairs, VPNs, NMSs).", []string{"pool"}, nil)
	poolSizeDesc = prometheus.NewDesc("xprov_pool_size",
		"Values one scope of the pool holds (its range in pack.json).", []string{"pool"}, nil)
	poolFullestDesc = prometheus.NewDesc("xprov_pool_fullest_used",
		"Values in use in the pool's fullest scope.", []string{"pool"}, nil)
	poolRatioDesc = prometheus.NewDesc("xprov_pool_fullest_ratio",
		"Used over size in the pool's fullest scope (1 = the next allocation there fails).", []string{"pool"}, nil)
)

// poolCollector reads pool usage at scrape time: the store keeps the counters per scope
// (triggers), so a scrape reads one row per scope, not per allocation.
type poolCollector struct {
	usage func(context.Context) ([]PoolInfo, error)
}

func (poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolUsedDesc, poolScopesDesc, poolSizeDesc, poolFullestDesc, poolRatioDesc} {
		ch <- d
	}
}

// poolStat is one pool's usage over its scopes.
type poolStat struct {
	used, scopes, size, fullest int64
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	infos, err := c.usage(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(poolUsedDesc, err)
		return
	}
	stats := map[string]*poolStat{}
	var names []string
	for _, in := range infos {
		ps := stats[in.Pool]
		if ps == nil {
			ps = &poolStat{}
			stats[in.Pool] = ps
			names = append(names, in.Pool)
		}
		ps.used += in.Used
		ps.scopes++
		ps.size = max(ps.size, in.Size)
		ps.fullest = max(ps.fullest, in.Used)
	}
	sort.Strings(names)
	for _, n := range names {
		ps := stats[n]
		ch <- prometheus.MustNewConstMetric(poolUsedDesc, prometheus.GaugeValue, float64(ps.used), n)
		ch <- prometheus.MustNewConstMetric(poolScopesDesc, prometheus.GaugeValue, float64(ps.scopes), n)
		ch <- prometheus.MustNewConstMetric(poolFullestDesc, prometheus.GaugeValue, float64(ps.fullest), n)
		// A pool no pack declares any more has no size; leave its size and ratio out rather
		// than report it full or empty.
		if ps.size > 0 {
			ch <- prometheus.MustNewConstMetric(poolSizeDesc, prometheus.GaugeValue, float64(ps.size), n)
			ch <- prometheus.MustNewConstMetric(poolRatioDesc, prometheus.GaugeValue, float64(ps.fullest)/float64(ps.size), n)
		}
	}
}

// poolInfos is the usage of every pool scope with the packs' ranges (GET /pools, /metrics).
func (s *Server) poolInfos(ctx context.Context) ([]PoolInfo, error) {
	u, err := s.st.PoolUsage(ctx)
	if err != nil {
		return nil, err
	}
	return s.poolInfo(u), nil
}
