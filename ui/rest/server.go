package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/pack"
	"github.com/xprov/xprov/engine/store"
)

// Engine is what the REST layer needs of the engine; *engine.Engine implements it.
type Engine interface {
	Store() store.Store
	Types() []engine.PackInfo
	Type(name string) (engine.PackInfo, bool)
	Plan(ctx context.Context, req engine.Request) (*engine.Plan, error)
	GetPlan(ctx context.Context, id string) (*engine.Plan, error)
	Submit(ctx context.Context, req engine.Request) (store.Run, error)
	ApplyPlan(ctx context.Context, planID, user string) (store.Run, error)
	Wait(ctx context.Context, runID string) (store.Run, error)
	Cancel(ctx context.Context, runID string) error
	Subscribe(ctx context.Context, after int64) <-chan store.Event
	Devices(ctx context.Context, vendor string) ([]adapters.Device, error)
	Discover(ctx context.Context, targets ...string) ([]adapters.Device, error)
	RunOp(ctx context.Context, device, command string) (adapters.OpResult, error)
	Audit(ctx context.Context, serviceID string) (*engine.AuditResult, error)
	// ServiceOp runs a pack op on every endpoint of a service.
	ServiceOp(ctx context.Context, serviceID, op string) ([]engine.OpOutcome, error)
}

var _ Engine = (*engine.Engine)(nil)

// StateStore is what the REST layer reads and keeps in the store besides what the engine does:
// where the event stream ends and how many runs wait, the responses of Idempotency-Keys, and
// the latest audit outcome of each service. *store.SQLite implements it.
type StateStore interface {
	store.Status
	store.Idempotency
	store.AuditResults
}

var _ StateStore = (*store.SQLite)(nil)

// Options configure a Server.
type Options struct {
	Engine Engine
	// Packs validates intents for POST /types/{name}/validate (the engine's packs).
	Packs engine.Packs
	Auth  store.Auth
	// State is the store's state the REST layer needs; nil means the engine's store, which
	// must then implement StateStore.
	State StateStore
	// Logger receives request logs and errors; nil discards.
	Logger *slog.Logger
	// Registry receives the metrics; nil makes a private one (served at /metrics either way).
	Registry *prometheus.Registry
	// BodyLimit bounds request bodies; 0 means DefaultBodyLimit.
	BodyLimit int64
	// RateLimit limits requests per token; nil means 50/s with bursts of 100.
	RateLimit *RateLimiter
	// AuthFailureLimit limits failed authentications per client address (429 once used up);
	// nil means 1/s with bursts of 20. A zero Rate disables it.
	AuthFailureLimit *RateLimiter
	// IdempotencyTTL is how long an Idempotency-Key is remembered (default 24h).
	IdempotencyTTL time.Duration
	// WaitTimeout bounds `?wait=true` (default 5 minutes); after it the run is returned as is
	// with 202.
	WaitTimeout time.Duration
	// Reload reloads the packs from disk (POST /types/reload); nil answers 501.
	Reload func(ctx context.Context) ([]pack.Problem, error)
	// PoolBounds gives the range of a pool (from the packs' pool specs) so that pool usage
	// carries a size; nil or !ok leaves it out.
	PoolBounds func(pool string) (lo, hi int64, ok bool)
	// Ready reports whether the server can take requests (/readyz); nil means ready.
	Ready func(ctx context.Context) error
	// UI is mounted at / (the web UI); nil serves 404 there.
	UI http.Handler
	// Audits runs audit jobs and schedules (/audits, /audit-schedules); nil answers 501 there.
	Audits Audits
}

// Server is the REST API. Create it with New, serve Handler, and Close it when done.
type Server struct {
	o       Options
	eng     Engine
	st      store.Store
	state   StateStore
	auth    store.Auth
	log     *slog.Logger
	metrics *metrics
	idem    *idempotency
	handler http.Handler

	// storeMu guards storeErr: the last write of the REST layer's own (tokens) the store
	// refused, until /readyz sees the store write again.
	storeMu  sync.Mutex
	storeErr error

	// streams ends with Close: the watcher and every open event stream stop.
	streams context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
}

// New returns a Server and starts its run watcher (metrics).
func New(o Options) (*Server, error) {
	if o.Engine == nil || o.Auth == nil || o.Packs == nil {
		panic("rest: New: Engine, Packs and Auth are required")
	}
	if o.State == nil {
		st, ok := o.Engine.Store().(StateStore)
		if !ok {
			panic("rest: New: Options.State is nil and the engine's store does not implement rest.StateStore")
		}
		o.State = st
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
		o.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.RateLimit == nil {
		o.RateLimit = &RateLimiter{Rate: 50, Burst: 100}
	}
	if o.AuthFailureLimit == nil {
		o.AuthFailureLimit = &RateLimiter{Rate: 1, Burst: 20}
	}
	if o.IdempotencyTTL <= 0 {
		o.IdempotencyTTL = 24 * time.Hour
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 5 * time.Minute
	}
	s := &Server{o: o, eng: o.Engine, st: o.Engine.Store(), state: o.State, auth: o.Auth, log: o.Logger,
		idem: newIdempotency(o.State, o.IdempotencyTTL, nil, o.Logger)}
	m, err := newMetrics(o.Registry, s.state, s.poolInfos)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.handler = s.routes()
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	if err := s.startWatcher(ctx); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// Close stops the run watcher and ends open event streams (call it when the HTTP server shuts
// down, e.g. from http.Server.RegisterOnShutdown, or Shutdown waits for streams forever).
func (s *Server) Close() {
	s.stop()
	s.wg.Wait()
}

// Handler returns the whole HTTP surface: /api/v1, /metrics, /healthz, /readyz and the UI.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(RequestLog(s.log), Recoverer(s.log), s.metrics.middleware, headAsGet)
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(s.o.Registry, promhttp.HandlerOpts{}))
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(BodyLimit(s.o.BodyLimit))
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, problemFor(notFound("no route %s", r.URL.Path)))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, Problem{Type: ProblemTypeBase + "method-not-allowed", Title: http.StatusText(http.StatusMethodNotAllowed),
				Status: http.StatusMethodNotAllowed, Detail: r.Method + " is not allowed on " + r.URL.Path})
		})
		r.Get("/openapi.json", serveOpenAPI)
		r.Group(func(r chi.Router) {
			r.Use(Authenticate(s.auth, isEventStream, s.o.AuthFailureLimit), RateLimit(s.o.RateLimit), Audit(s.auth, s.log), RequireJSON)
			for _, rt := range s.table() {
				r.With(RequireRole(rt.role)).Method(rt.method, rt.path, rt.h)
			}
		})
	})
	// Another API version or a mistyped prefix is an API answer, not the UI's page.
	apiNotFound := func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problemFor(notFound("no route %s", r.URL.Path)))
	}
	r.HandleFunc("/api", apiNotFound)
	r.HandleFunc("/api/*", apiNotFound)
	if s.o.UI != nil {
		r.Handle("/*", s.o.UI)
	}
	return r
}

// headAsGet routes HEAD like GET: every GET route answers HEAD (net/http drops the body). No
// route of this server is registered for HEAD itself, so no look-ahead is needed.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				rctx.RouteMethod = http.MethodGet
			}
		}
		next.ServeHTTP(w, r)
	})
}

// route is one row of the route table; the role test walks the same table.
type route struct {
	method, path, role string
	h                  http.HandlerFunc
}

// table lists every authenticated route of /api/v1 with the least role it needs
// (docs/api-routes.md).
func (s *Server) table() []route {
	const (
		viewer   = store.RoleViewer
		operator = store.RoleOperator
		designer = store.RoleDesigner
		admin    = store.RoleAdmin
	)
	return append([]route{
		{"GET", "/me", viewer, s.me},
		{"GET", "/types", viewer, s.listTypes},
		{"POST", "/types/reload", designer, s.reloadTypes},
		{"GET", "/types/{name}", viewer, s.getType},
		{"POST", "/types/{name}/validate", viewer, s.validateIntent},
		{"GET", "/services", viewer, s.listServices},
		{"POST", "/services", operator, s.createService},
		{"GET", "/services/{id}", viewer, s.getService},
		{"PUT", "/services/{id}", operator, s.modifyService},
		{"DELETE", "/services/{id}", operator, s.deleteService},
		{"GET", "/services/{id}/config", viewer, s.serviceConfig},
		{"GET", "/services/{id}/allocations", viewer, s.serviceAllocations},
		{"GET", "/services/{id}/runs", viewer, s.serviceRuns},
		{"POST", "/services/{id}/audit", operator, s.auditService},
		{"POST", "/services/{id}/redeploy", operator, s.redeployService},
		{"POST", "/services/{id}/clone", operator, s.cloneService},
		{"POST", "/services/{id}/ops/{op}", operator, s.serviceOp},
		{"GET", "/plans/{id}", viewer, s.getPlan},
		{"POST", "/plans/{id}/apply", operator, s.applyPlan},
		{"GET", "/runs", viewer, s.listRuns},
		{"GET", "/runs/{id}", viewer, s.getRun},
		{"POST", "/runs/{id}/cancel", operator, s.cancelRun},
		{"GET", "/devices", viewer, s.listDevices},
		{"POST", "/devices/discover", operator, s.discover},
		{"GET", "/devices/{name}", viewer, s.getDevice},
		{"POST", "/devices/{name}/ops", operator, s.runOp},
		{"GET", "/audits", viewer, s.listAudits},
		{"POST", "/audits", operator, s.startAudit},
		{"GET", "/audits/{id}", viewer, s.getAudit},
		{"GET", "/audits/{id}/results", viewer, s.auditResults},
		{"GET", "/audit-schedules", viewer, s.listAuditSchedules},
		{"POST", "/audit-schedules", operator, s.createAuditSchedule},
		{"DELETE", "/audit-schedules/{id}", operator, s.deleteAuditSchedule},
		{"GET", "/audit-targets", viewer, s.listTargetSync},
		{"POST", "/audit-targets/check", operator, s.checkTargetChanges},
		{"GET", "/pools", viewer, s.pools},
		{"GET", "/reports/summary", viewer, s.summary},
		{"GET", "/events", viewer, s.events},
		{"GET", "/audit-log", admin, s.auditLog},
		{"GET", "/tokens", admin, s.listTokens},
		{"POST", "/tokens", admin, s.createToken},
		{"DELETE", "/tokens/{id}", admin, s.revokeToken},
	}, append(s.consoleRoutes(), s.customerRoutes()...)...)
}

// Route describes one authenticated route for tests and documentation.
type Route struct {
	Method, Path, Role string
}

// Routes lists every authenticated route of /api/v1 (paths relative to /api/v1) with the
// least role it needs.
func (s *Server) Routes() []Route {
	var out []Route
	for _, rt := range s.table() {
		out = append(out, Route{rt.method, rt.path, rt.role})
	}
	return out
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.o.Ready != nil {
		if err := s.o.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
			return
		}
	}
	// The store answers: a cheap indexed read.
	if _, _, err := s.st.ListServices(r.Context(), store.ServiceFilter{Limit: 1}); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "store unavailable"})
		return
	}
	// After a refused write of our own, the store must write again (a small write: pruning
	// expired idempotency records).
	if s.storeDown() {
		if _, err := s.state.PruneIdempotency(r.Context(), time.Now()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": "store refuses writes"})
			return
		}
		s.storeUp()
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// storeWrite classifies the error of a write the REST layer makes to the store itself (not
// through the engine). Answers about the data pass through; anything else means the store
// cannot write (a full disk, an I/O error): the server turns unready until /readyz sees it
// write again, and the error becomes engine.ErrStoreUnavailable (503 store-unavailable).
func (s *Server) storeWrite(err error) error {
	if err == nil {
		return nil
	}
	for _, x := range []error{store.ErrNotFound, store.ErrExists, store.ErrLastAdmin, store.ErrBadToken,
		context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, x) {
			return err
		}
	}
	s.storeMu.Lock()
	s.storeErr = err
	s.storeMu.Unlock()
	s.log.Error("state store refused a write", "err", err)
	return fmt.Errorf("%w: %w", engine.ErrStoreUnavailable, err)
}

func (s *Server) storeDown() bool {
	s.storeMu.Lock()
	defer s.storeMu.Unlock()
	return s.storeErr != nil
}

func (s *Server) storeUp() {
	s.storeMu.Lock()
	s.storeErr = nil
	s.storeMu.Unlock()
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	p, _ := principalOf(r.Context())
	writeJSON(w, http.StatusOK, p)
}

// isEventStream reports whether r asks for the event stream, the one route that takes its
// token from the query (?access_token=).
func isEventStream(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/api/v1/events"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
