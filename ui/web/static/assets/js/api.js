// The REST client. The browser is signed in by the session cookie of POST /session, which
// scripts cannot read (HttpOnly): no token is kept in script-readable storage or put in a URL.
// Every request carries the CSRF header the server asks of cookie-authenticated changes.
// Problems (RFC 9457) become ApiError.

const CSRF = 'X-Xprov-Csrf';
const meta = document.querySelector('meta[name="xprov-api"]');
/** base is the REST prefix (from the page, default /api/v1). */
export const base = (meta && meta.content && !meta.content.startsWith('{{')) ? meta.content : '/api/v1';

/** ApiError carries a problem document, with a title in plain words (never an HTTP reason phrase). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.kind = String(problem.type || '').replace(/^.*\/problems\//, '');
    this.title = KINDS[this.kind] || plainStatus(status);
    this.detail = problem.detail || '';
    this.errors = problem.errors || [];
    this.problem = problem;
  }
}

// KINDS titles the problem types of docs/api-routes.md that say more than their status.
const KINDS = {
  exists: 'This id is already taken', stale: 'Someone changed this service meanwhile',
  'plan-changed': 'The network or the service changed since this plan was made', 'run-failed': 'The run failed',
  validation: 'Some fields are not valid', script: 'The service type refused this input',
  'unknown-target': 'A device or NMS named here is not in the inventory', 'pool-exhausted': 'A resource pool is exhausted',
  'rate-limited': 'Too many requests: wait a moment and try again', 'run-not-running': 'This run is already over',
  'run-finished': 'This run is already over', 'last-admin': 'The last administrator token cannot be revoked',
  'store-unavailable': 'The server cannot record changes right now', 'shutting-down': 'The server is restarting',
  'idempotency-key-reused': 'This request was already sent with other content', 'unknown-type': 'This service type is not loaded',
  conflict: 'Another service owns part of this configuration with another value', 'unknown-op': 'This service type has no such operation',
  'precondition-required': 'The service version is missing', 'not-found': 'Not found',
};

function plainStatus(status) {
  return ({
    0: 'The server cannot be reached',
    400: 'The request was not understood', 401: 'Please sign in again', 403: 'Your role does not allow this',
    404: 'Not found', 409: 'The network or the service changed since this plan was made', 412: 'Someone changed this service meanwhile; reload it and try again',
    413: 'The request is too large', 422: 'Some fields are not valid', 428: 'The service version is missing', 429: 'Too many requests: wait a moment and try again',
    500: 'The server failed', 502: 'The server failed', 503: 'The server is not ready', 504: 'The server did not answer in time',
  })[status] || `The request failed (${status})`;
}

/**
 * signIn turns a bearer token into the browser's session (POST /session with the token in the
 * Authorization header, once; the server answers with an HttpOnly cookie) and returns the
 * caller. The token is not kept anywhere a script can read it.
 */
export async function signIn(tok) {
  return (await call('POST', '/session', { headers: { Authorization: `Bearer ${tok}` } })).data;
}

/** signOut ends the browser's session (the token itself stays valid). */
export async function signOut() {
  try { await call('DELETE', '/session'); } catch { /* signed out already */ }
}

/** qs builds a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

let onUnauthorized = () => {};
/** setUnauthorizedHandler is called on any 401 (token expired or revoked). */
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

/** call performs one request and returns {status, data, etag}. */
export async function call(method, path, { body, headers, query } = {}) {
  const hd = { Accept: 'application/json, application/problem+json', [CSRF]: '1', ...(headers || {}) };
  if (body !== undefined) hd['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(base + path + qs(query), { method, headers: hd, credentials: 'same-origin', cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { title: 'The server cannot be reached', detail: String(e.message || e) });
  }
  const text = await res.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = { detail: text }; } }
  if (!res.ok) {
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, data && typeof data === 'object' ? data : {});
  }
  return { status: res.status, data, etag: res.headers.get('ETag') || '' };
}

/** get is call('GET') returning only the body. */
export async function get(path, query) { return (await call('GET', path, { query })).data; }

/** eventsURL is the SSE stream; the session cookie authenticates it (no token in the URL). */
export function eventsURL(params = {}) { return base + '/events' + qs(params); }

/** list accepts either a bare array or {items}. */
export function items(data) { return Array.isArray(data) ? data : ((data && data.items) || []); }
