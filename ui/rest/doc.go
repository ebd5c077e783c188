// Package rest is xprov's northbound REST API: a chi router under /api/v1 that hands requests
// to the engine, described by the OpenAPI 3.1 document it serves at /api/v1/openapi.json.
//
// The contract with the web UI and the CLI is docs/api-routes.md. Errors are RFC 9457
// problem+json; every mutating call is written to the audit log; bearer tokens carry one of
// four roles (viewer < operator < designer < admin) and every route names the least role it
// needs. Outside /api/v1 the handler serves /metrics, /healthz, /readyz and the web UI.
//
// Middleware lives one per file with its test beside it (auth.go, bodylimit.go, ratelimit.go,
// requestlog.go, metrics.go, recoverer.go, audit.go); handlers are small and grouped by
// resource (services.go, plans.go, runs.go, devices.go, ...).
package rest
