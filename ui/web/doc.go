// Package web serves xprov's operator console: a single-page application whose assets are
// embedded in the binary with go:embed, so nothing is ever loaded from the internet.
//
// The console is plain JavaScript modules and CSS (no build step). It talks only to the REST
// API under /api/v1 (docs/api-routes.md): it signs in by turning a bearer token into the
// HttpOnly session cookie (POST /session), lists the packs, generates each pack's form from
// its form.json (JSON Forms UI-schema vocabulary, schemas/form.schema.json) and schema.json,
// previews every change as a plan (dry-run), commits the plan and follows the run live over
// server-sent events. The dashboard, services (search, bulk actions, CSV), each service's
// versions and topology, runs, customers, inventory, pools, audits, reports, tokens and the
// audit log have their own pages.
//
// Handler serves the assets under /assets/, the shared JSON Schemas packs $ref under
// /schemas/, and index.html for every other GET path (client-side routes such as
// /services/eline-1 load the application, which then routes in the browser).
package web
