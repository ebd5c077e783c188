// Package client is a small Go client of xprov's REST API (/api/v1), used by the CLI and by
// tests. Errors from the server come back as *Error carrying the RFC 9457 problem.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xprov/xprov/adapters"
	"github.com/xprov/xprov/engine"
	"github.com/xprov/xprov/engine/store"
	"github.com/xprov/xprov/ui/rest"
)

// Client talks to one xprov server.
type Client struct {
	// Base is the server's address ("http://127.0.0.1:8080"); /api/v1 is appended.
	Base  string
	Token string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

// Error is a problem+json answer (or another non-2xx answer) from the server.
type Error struct {
	Status  int
	Problem rest.Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.Status, e.Problem.Title)
	if e.Problem.Detail != "" {
		b.WriteString(": " + e.Problem.Detail)
	}
	for _, f := range e.Problem.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Pointer, f.Message)
	}
	return b.String()
}

// StatusOf returns the HTTP status of a server error, 0 for other errors.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) newRequest(ctx context.Context, method, path string, body any, hdr http.Header) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	base := strings.TrimRight(c.Base, "/")
	if base == "" {
		return nil, errors.New("client: no server address (--server or XPROV_SERVER)")
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	r, err := http.NewRequestWithContext(ctx, method, base+"/api/v1"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Accept", "application/json")
	if c.Token != "" {
		r.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for k, v := range hdr {
		r.Header[k] = v
	}
	return r, nil
}

// Do sends a request and decodes a 2xx JSON answer into out (when not nil). It returns the
// response headers.
func (c *Client) Do(ctx context.Context, method, path string, body any, hdr http.Header, out any) (http.Header, error) {
	r, err := c.newRequest(ctx, method, path, body, hdr)
	if err != nil {
		return nil, err
	}
	res, err := c.http().Do(r)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.Header, fmt.Errorf("client: %s %s: read: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		e := &Error{Status: res.StatusCode}
		if json.Unmarshal(raw, &e.Problem) != nil || e.Problem.Title == "" {
			e.Problem = rest.Problem{Title: http.StatusText(res.StatusCode), Status: res.StatusCode, Detail: strings.TrimSpace(string(raw))}
		}
		return res.Header, e
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.Header, fmt.Errorf("client: %s %s: decode: %w", method, path, err)
		}
	}
	return res.Header, nil
}

// RunOptions ask for a dry-run (a plan) or to wait for the run's end.
type RunOptions struct {
	DryRun bool
	Wait   bool
	// IdempotencyKey makes a create safe to retry (create only).
	IdempotencyKey string
	// IfMatch is the service's ETag (modify, delete, redeploy); "" sends none.
	IfMatch string
}

func (o RunOptions) query() string {
	q := url.Values{}
	if o.DryRun {
		q.Set("dry_run", "true")
	}
	if o.Wait {
		q.Set("wait", "true")
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func (o RunOptions) header() http.Header {
	h := http.Header{}
	if o.IdempotencyKey != "" {
		h.Set("Idempotency-Key", o.IdempotencyKey)
	}
	if o.IfMatch != "" {
		h.Set("If-Match", o.IfMatch)
	}
	return h
}

// Result is the answer to a request that runs: a plan (dry-run) or a run.
type Result struct {
	Plan *engine.Plan
	Run  *store.Run
}

// submit sends a request that starts a run or returns a plan. A ?wait=true run that did not
// succeed comes back as an *Error whose Problem.Run is the run.
func (c *Client) submit(ctx context.Context, method, path string, body any, o RunOptions) (Result, error) {
	var raw json.RawMessage
	if _, err := c.Do(ctx, method, path+o.query(), body, o.header(), &raw); err != nil {
		return Result{}, err
	}
	if o.DryRun {
		var p engine.Plan
		if err := json.Unmarshal(raw, &p); err != nil {
			return Result{}, fmt.Errorf("client: decode plan: %w", err)
		}
		return Result{Plan: &p}, nil
	}
	var r store.Run
	if err := json.Unmarshal(raw, &r); err != nil {
		return Result{}, fmt.Errorf("client: decode run: %w", err)
	}
	return Result{Run: &r}, nil
}

// CreateService creates a service.
func (c *Client) CreateService(ctx context.Context, in rest.CreateRequest, o RunOptions) (Result, error) {
	return c.submit(ctx, "POST", "/services", in, o)
}

// ModifyService replaces a service's intent. Without o.IfMatch the current ETag is fetched
// first (the caller then accepts whatever version is current).
func (c *Client) ModifyService(ctx context.Context, id string, intent json.RawMessage, o RunOptions) (Result, error) {
	if err := c.fillETag(ctx, id, &o); err != nil {
		return Result{}, err
	}
	return c.submit(ctx, "PUT", "/services/"+url.PathEscape(id), rest.ModifyRequest{Intent: intent}, o)
}

// DeleteService deletes a service (If-Match as ModifyService).
func (c *Client) DeleteService(ctx context.Context, id string, o RunOptions) (Result, error) {
	if err := c.fillETag(ctx, id, &o); err != nil {
		return Result{}, err
	}
	return c.submit(ctx, "DELETE", "/services/"+url.PathEscape(id), nil, o)
}

// RedeployService re-applies a service's recorded intent (If-Match as ModifyService).
func (c *Client) RedeployService(ctx context.Context, id string, o RunOptions) (Result, error) {
	if err := c.fillETag(ctx, id, &o); err != nil {
		return Result{}, err
	}
	return c.submit(ctx, "POST", "/services/"+url.PathEscape(id)+"/redeploy", nil, o)
}

func (c *Client) fillETag(ctx context.Context, id string, o *RunOptions) error {
	if o.IfMatch != "" {
		return nil
	}
	_, etag, err := c.GetService(ctx, id)
	o.IfMatch = etag
	return err
}

// GetService returns a service and its ETag.
func (c *Client) GetService(ctx context.Context, id string) (store.Service, string, error) {
	var s store.Service
	h, err := c.Do(ctx, "GET", "/services/"+url.PathEscape(id), nil, nil, &s)
	if err != nil {
		return s, "", err
	}
	return s, h.Get("ETag"), nil
}

// List is one page of a list.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ListServices returns one page of services; filter keys are the query parameters of
// GET /services (type, state, customer, device, port, q, sort, cursor, limit).
func (c *Client) ListServices(ctx context.Context, filter url.Values) (List[store.Service], error) {
	var l List[store.Service]
	_, err := c.Do(ctx, "GET", "/services"+encode(filter), nil, nil, &l)
	return l, err
}

func encode(q url.Values) string {
	for k, v := range q {
		if len(v) == 0 || v[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// AuditService compares a service's owned config with its devices.
func (c *Client) AuditService(ctx context.Context, id string) (engine.AuditResult, error) {
	var a engine.AuditResult
	_, err := c.Do(ctx, "POST", "/services/"+url.PathEscape(id)+"/audit", nil, nil, &a)
	return a, err
}

// GetPlan returns a saved plan.
func (c *Client) GetPlan(ctx context.Context, id string) (engine.Plan, error) {
	var p engine.Plan
	_, err := c.Do(ctx, "GET", "/plans/"+url.PathEscape(id), nil, nil, &p)
	return p, err
}

// ApplyPlan applies a saved plan.
func (c *Client) ApplyPlan(ctx context.Context, id string, wait bool) (store.Run, error) {
	r, err := c.submit(ctx, "POST", "/plans/"+url.PathEscape(id)+"/apply", nil, RunOptions{Wait: wait})
	if err != nil {
		return store.Run{}, err
	}
	return *r.Run, nil
}

// GetRun returns a run with its journal.
func (c *Client) GetRun(ctx context.Context, id string) (rest.RunDetail, error) {
	var r rest.RunDetail
	_, err := c.Do(ctx, "GET", "/runs/"+url.PathEscape(id), nil, nil, &r)
	return r, err
}

// ListRuns returns a page of runs (optionally of one service).
func (c *Client) ListRuns(ctx context.Context, service, cursor string, limit int) (List[store.Run], error) {
	q := url.Values{"service": {service}, "cursor": {cursor}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var l List[store.Run]
	_, err := c.Do(ctx, "GET", "/runs"+encode(q), nil, nil, &l)
	return l, err
}

// CancelRun asks a run to stop.
func (c *Client) CancelRun(ctx context.Context, id string) (store.Run, error) {
	var r store.Run
	_, err := c.Do(ctx, "POST", "/runs/"+url.PathEscape(id)+"/cancel", nil, nil, &r)
	return r, err
}

// Devices lists inventory devices, optionally of one vendor.
func (c *Client) Devices(ctx context.Context, vendor string) ([]adapters.Device, error) {
	var l List[adapters.Device]
	_, err := c.Do(ctx, "GET", "/devices"+encode(url.Values{"vendor": {vendor}}), nil, nil, &l)
	return l.Items, err
}

// Device returns one device with the services on each port.
func (c *Client) Device(ctx context.Context, name string) (rest.DeviceDetail, error) {
	var d rest.DeviceDetail
	_, err := c.Do(ctx, "GET", "/devices/"+url.PathEscape(name), nil, nil, &d)
	return d, err
}

// Discover asks targets (all when none) for their devices.
func (c *Client) Discover(ctx context.Context, targets ...string) (rest.DiscoverResult, error) {
	var d rest.DiscoverResult
	_, err := c.Do(ctx, "POST", "/devices/discover", rest.DiscoverRequest{Targets: targets}, nil, &d)
	return d, err
}

// Op runs an operational command on a device.
func (c *Client) Op(ctx context.Context, device, command string) (adapters.OpResult, error) {
	var o adapters.OpResult
	_, err := c.Do(ctx, "POST", "/devices/"+url.PathEscape(device)+"/ops", rest.OpRequest{Command: command}, nil, &o)
	return o, err
}

// Types lists the service types.
func (c *Client) Types(ctx context.Context) ([]rest.TypeSummary, error) {
	var l List[rest.TypeSummary]
	_, err := c.Do(ctx, "GET", "/types", nil, nil, &l)
	return l.Items, err
}

// Type returns one service type with its schema and form.
func (c *Client) Type(ctx context.Context, name string) (engine.PackInfo, error) {
	var p engine.PackInfo
	_, err := c.Do(ctx, "GET", "/types/"+url.PathEscape(name), nil, nil, &p)
	return p, err
}

// Pools returns pool usage.
func (c *Client) Pools(ctx context.Context) ([]rest.PoolInfo, error) {
	var l List[rest.PoolInfo]
	_, err := c.Do(ctx, "GET", "/pools", nil, nil, &l)
	return l.Items, err
}

// CreateToken makes a token that does not expire; the plaintext is in the answer only.
func (c *Client) CreateToken(ctx context.Context, name, role string) (rest.TokenCreated, error) {
	return c.IssueToken(ctx, rest.TokenRequest{Name: name, Role: role})
}

// IssueToken makes a token as requested (with an expiry, say); the plaintext is in the answer
// only.
func (c *Client) IssueToken(ctx context.Context, req rest.TokenRequest) (rest.TokenCreated, error) {
	var t rest.TokenCreated
	_, err := c.Do(ctx, "POST", "/tokens", req, nil, &t)
	return t, err
}

// Tokens lists tokens with their states.
func (c *Client) Tokens(ctx context.Context) ([]rest.TokenInfo, error) {
	var l List[rest.TokenInfo]
	_, err := c.Do(ctx, "GET", "/tokens", nil, nil, &l)
	return l.Items, err
}

// RevokeToken revokes a token by id.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.Do(ctx, "DELETE", "/tokens/"+url.PathEscape(id), nil, nil, nil)
	return err
}

// Events follows the event stream (after seq; of one run when run is set) and calls fn for
// each event until fn returns false, ctx ends or the stream closes.
func (c *Client) Events(ctx context.Context, after int64, run string, fn func(store.Event) bool) error {
	q := url.Values{"run": {run}}
	if after > 0 {
		q.Set("after", strconv.FormatInt(after, 10))
	}
	r, err := c.newRequest(ctx, "GET", "/events"+encode(q), nil, nil)
	if err != nil {
		return err
	}
	r.Header.Set("Accept", "text/event-stream")
	res, err := c.http().Do(r)
	if err != nil {
		return fmt.Errorf("client: events: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		e := &Error{Status: res.StatusCode}
		_ = json.Unmarshal(raw, &e.Problem)
		return e
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev store.Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return fmt.Errorf("client: events: decode: %w", err)
		}
		if !fn(ev) {
			return nil
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("client: events: %w", err)
	}
	return ctx.Err()
}
