// Runs and the dashboard: every run with its elapsed time, filters, cancel and retry; the
// dashboard's services by state, running and failed runs, compliance and pool pressure.

import { h, clear, link, errorBox, table, fmtTime, badge, toast } from './dom.js';
import { call, get, items, qs } from './api.js';
import { session, navigate } from './state.js';
import { plans, elapsed, FINAL, plainError } from './pages.js';
import { usageBar, donut } from './charts.js';

const STATES = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'rolled-back'];
const KINDS = ['create', 'modify', 'delete', 'redeploy', 'migrate'];
const PAGE = 200;

function requestOf(run) {
  let r = run.request;
  if (typeof r === 'string') { try { r = JSON.parse(r); } catch { r = null; } }
  return r && typeof r === 'object' ? r : null;
}

/**
 * retryRun previews the request of a run that did not succeed again, against the service as
 * it is now: a create whose service is gone is created again; a create that left a failed
 * service modifies it with the same intent; a modify, delete or re-deploy is previewed on the
 * current version. Nothing is committed: the plan page shows what the retry would do.
 */
export async function retryRun(run) {
  const req = requestOf(run) || {};
  const id = run.service || req.service_id;
  const op = req.op || run.kind;
  const enc = encodeURIComponent(id);
  let cur = null;
  try { cur = await call('GET', `/services/${enc}`); } catch (e) { if (e.status !== 404) throw e; }
  let res;
  const ifm = cur ? { 'If-Match': cur.etag || `"${cur.data.version}"` } : {};
  const dry = { dry_run: 'true' };
  if (!cur) {
    if (op !== 'create') throw Object.assign(new Error('gone'), { title: `The service ${id} no longer exists`, detail: 'Only a create can be retried once its service is gone.' });
    const body = { type: req.type || '', intent: req.intent || {} };
    if (id) body.id = id;
    res = await call('POST', '/services', { body, query: dry });
  } else if (op === 'create' || op === 'modify' || op === 'migrate') {
    res = await call('PUT', `/services/${enc}`, { body: { intent: req.intent || cur.data.intent }, query: dry, headers: ifm });
  } else if (op === 'delete') {
    res = await call('DELETE', `/services/${enc}`, { query: dry, headers: ifm });
  } else {
    res = await call('POST', `/services/${enc}/redeploy`, { query: dry, headers: ifm });
  }
  plans.set(res.data.id, { plan: res.data, back: '/runs' });
  navigate(`/plans/${encodeURIComponent(res.data.id)}`);
}

async function cancelRun(run) {
  const res = await call('POST', `/runs/${encodeURIComponent(run.id)}/cancel`);
  toast(`Cancel of ${run.id} requested.`);
  return res.data;
}

function runActions(run, problem, redraw) {
  if (!session.canWrite) return '';
  const out = [];
  if (!FINAL.includes(run.state)) {
    const b = h('button', { type: 'button', class: 'btn link', 'aria-label': `Cancel run ${run.id}` }, 'Cancel');
    b.addEventListener('click', async () => { b.disabled = true; clear(problem); try { await cancelRun(run); redraw(); } catch (e) { problem.append(errorBox(e)); b.disabled = false; } });
    out.push(b);
  } else if (run.state !== 'succeeded' && run.service) {
    const b = h('button', { type: 'button', class: 'btn link', 'aria-label': `Retry run ${run.id} (preview first)` }, 'Retry…');
    b.addEventListener('click', async () => { b.disabled = true; clear(problem); try { await retryRun(run); } catch (e) { problem.append(errorBox(e)); b.disabled = false; } });
    out.push(b);
  }
  return h('span', { class: 'rowactions' }, out);
}

function runsTable(rows, problem, redraw, opts = {}) {
  return table([
    ['Run', (r) => link(`/runs/${encodeURIComponent(r.id)}`, r.id)],
    ['Service', (r) => (r.service ? link(`/services/${encodeURIComponent(r.service)}`, r.service) : '')],
    ['Kind', (r) => r.kind || ''],
    ['State', (r) => badge(r.state)],
    ['By', (r) => r.user || ''],
    ['Started', (r) => fmtTime(r.created)],
    ['Elapsed', (r) => elapsed(r)],
    ['Error', (r) => (r.error ? h('span', { class: 'small', title: r.error }, truncate(plainError(r.error), 140)) : '')],
    ['', (r) => runActions(r, problem, redraw)],
  ], rows, { class: 'data runs', caption: opts.caption, empty: opts.empty || 'No runs.' });
}

function truncate(t, n) { t = String(t); return t.length > n ? t.slice(0, n - 1) + '…' : t; }

/** runsPage lists runs newest first with filters, elapsed time, cancel and retry. */
export async function runsPage(view, params) {
  const f = { state: params.get('state') || '', kind: params.get('kind') || '', service: params.get('service') || '' };
  view.append(h('div', { class: 'titlebar' }, h('h1', 'Runs')));
  const sel = (id, label, opts, val) => h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, name: id }, h('option', { value: '' }, 'Any'), opts.map((o) => h('option', { value: o, selected: o === val }, o))));
  const svcIn = h('input', { id: 'service', name: 'service', type: 'search', value: f.service, autocomplete: 'off', spellcheck: false, placeholder: 'exact service id' });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    sel('state', 'State', STATES, f.state), sel('kind', 'Kind', KINDS, f.kind),
    h('div', { class: 'field' }, h('label', { for: 'service' }, 'Service'), svcIn),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'btn primary' }, 'Apply'), link('/runs', 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate('/runs' + qs({ state: form.elements.state.value, kind: form.elements.kind.value, service: svcIn.value.trim() }));
  });
  const problem = h('div', { 'aria-live': 'assertive' });
  const out = h('div', { class: 'results' }, h('p', { class: 'muted' }, 'Loading…'));
  view.append(form, problem, out);
  let loaded = []; let next = '';
  let timer = null;
  const draw = () => {
    const rows = loaded.filter((r) => (!f.state || r.state === f.state) && (!f.kind || r.kind === f.kind));
    const active = loaded.filter((r) => !FINAL.includes(r.state)).length;
    const more = next ? h('button', { type: 'button', class: 'btn secondary' }, 'Load older runs') : null;
    if (more) more.addEventListener('click', async () => { more.disabled = true; await load(next); });
    clear(out,
      h('p', { class: 'totals' }, `${rows.length} run${rows.length === 1 ? '' : 's'} shown of ${loaded.length} loaded${next ? ' (older runs not loaded yet)' : ''}; ${active} in progress.`),
      runsTable(rows, problem, refresh, { caption: 'Runs, newest first', empty: 'No run matches these filters.' }),
      more ? h('div', { class: 'actions' }, more) : null);
    // While a run is in progress its row changes: look again in a few seconds.
    clearTimeout(timer);
    if (active) timer = setTimeout(() => { if (view.isConnected) refresh(); }, 3000);
  };
  const load = async (cursor) => {
    const data = await get('/runs', { service: f.service, cursor, limit: PAGE });
    loaded = cursor ? loaded.concat(items(data)) : items(data);
    next = (data && data.next_cursor) || '';
    draw();
  };
  async function refresh() { try { await load(''); } catch (e) { clear(problem, errorBox(e)); } }
  await load('');
}

function tile(label, value, href, cls) {
  return h('li', { class: ['tile', cls] }, link(href, h('span', { class: 'num' }, String(value)), h('span', { class: 'lbl' }, label)));
}

function poolPct(p) {
  const size = Number(p.size || 0);
  return size ? Number(p.used || 0) / size : 0;
}

/** dashboard shows at a glance what needs attention. */
export async function dashboard(view) {
  view.append(h('h1', 'Dashboard'));
  const [sumR, runsR, poolsR] = await Promise.allSettled([get('/reports/summary'), get('/runs', { limit: PAGE }), get('/pools')]);
  const problem = h('div', { 'aria-live': 'assertive' });
  view.append(problem);
  for (const r of [sumR, runsR, poolsR]) if (r.status === 'rejected') problem.append(errorBox(r.reason));
  const sum = sumR.status === 'fulfilled' ? sumR.value : {};
  const runs = runsR.status === 'fulfilled' ? items(runsR.value) : [];
  const byState = sum.by_state || {};
  const running = runs.filter((r) => !FINAL.includes(r.state));
  const failed = runs.filter((r) => r.state === 'failed' || r.state === 'rolled-back');
  const comp = sum.compliance || {};
  view.append(h('section', { 'aria-labelledby': 'dash-services' }, h('h2', { id: 'dash-services' }, 'Services by state'),
    h('ul', { class: 'tiles' },
      tile('services', sum.services ?? Object.values(byState).reduce((a, b) => a + Number(b), 0), '/services'),
      Object.entries(byState).sort().map(([st, n]) => tile(st, n, `/services?state=${encodeURIComponent(st)}`, `st-${st}`)),
      tile('in progress', running.length, '/runs?state=running', running.length ? 'st-running' : ''),
      tile('failed runs', failed.length, '/runs?state=failed', failed.length ? 'st-failed' : ''),
      tile('drifted', Number(comp.drifted || 0), '/audits', Number(comp.drifted || 0) ? 'st-failed' : ''))));
  const grid = h('div', { class: 'grid' });
  const runsBox = h('section', { 'aria-labelledby': 'dash-runs' }, h('h2', { id: 'dash-runs' }, 'Runs that need a look'));
  const recent = running.concat(failed).slice(0, 10);
  runsBox.append(recent.length ? runsTable(recent, problem, () => navigate('/', true), { caption: `${running.length} in progress, ${failed.length} failed among the latest ${runs.length} runs` })
    : h('p', { class: 'muted' }, `None: no run is in progress and none of the latest ${runs.length} failed.`), h('p', link('/runs', 'All runs')));
  const total = Number(sum.services ?? comp.services ?? 0);
  const audited = Number(comp.audited ?? 0);
  grid.append(h('section', { 'aria-labelledby': 'dash-comp' }, h('h2', { id: 'dash-comp' }, 'Compliance'), donut('Latest audit of each service', [
    { label: 'In sync', value: Number(comp.in_sync ?? 0), color: '#15803d' },
    { label: 'Drifted', value: Number(comp.drifted ?? 0), color: '#b91c1c' },
    { label: 'Not audited', value: Math.max(0, total - audited), color: '#6b7280' }])));
  const pools = (poolsR.status === 'fulfilled' ? items(poolsR.value) : []).slice().sort((a, b) => poolPct(b) - poolPct(a)).slice(0, 6);
  grid.append(h('section', { 'aria-labelledby': 'dash-pools' }, h('h2', { id: 'dash-pools' }, 'Pool pressure'),
    pools.length ? h('ul', { class: 'poolbars' }, pools.map((p) => h('li', h('span', { class: 'poolname' }, `${p.pool}${p.scope && p.scope !== 'global' ? ' · ' + p.scope : ''}`),
      usageBar(`${p.pool} ${p.scope || ''} usage`, Number(p.used || 0), Number(p.size || 0))))) : h('p', { class: 'muted' }, 'No pool has allocations yet.'),
    h('p', link('/pools', 'All pools'))));
  view.append(runsBox, grid);
}

