// Services: the filtered, cursor-paginated list; the detail page; modify, migrate, delete.

import { h, clear, link, errorBox, table, fmtTime, badge, pretty, nextId, toast } from './dom.js';
import { call, get, items, qs } from './api.js';
import { session, navigate } from './state.js';
import { pack, formPage, previewOp, plans, elapsed, plainError } from './pages.js';
import { Form } from './form.js';
import { loadCommon, getAt } from './schema.js';
import { renderAudit } from './console.js';
import { intentEndpoints, intentView, topology, endpointText, diffIntents, diffTable } from './svcview.js';

const PAGE = 50;
const STATES = ['active', 'creating', 'modifying', 'deleting', 'failed'];
const SORTS = { id: 'Service id, A to Z', '-id': 'Service id, Z to A', '-updated': 'Most recently updated', updated: 'Least recently updated' };
const FILTERS = ['q', 'type', 'state', 'customer', 'device', 'port'];
const SAVED = 'xprov.savedFilters';

// The cursors of the pages before the current one, per filter set, kept in the tab's
// sessionStorage so that page numbers and "Previous" survive a reload.
function cursorStack(key) { try { return JSON.parse(sessionStorage.getItem(`xprov.pages:${key}`) || '[]'); } catch { return []; } }
function keepStack(key, st) { try { sessionStorage.setItem(`xprov.pages:${key}`, JSON.stringify(st)); } catch { /* best effort */ } }

function savedFilters() { try { const v = JSON.parse(localStorage.getItem(SAVED) || '[]'); return Array.isArray(v) ? v : []; } catch { return []; } }
function keepSaved(v) { try { localStorage.setItem(SAVED, JSON.stringify(v)); } catch { /* best effort */ } }

function description(s) { return (s.intent && typeof s.intent.description === 'string') ? s.intent.description : ''; }

function endpointsText(s) {
  return intentEndpoints(s.intent, s.endpoints).map(endpointText).join('; ');
}

/**
 * list shows services: free-text search and filters, sortable columns, the total, page
 * numbers that survive a reload, saved filters, CSV export of everything the filters select,
 * and bulk audit and re-deploy of the selected services.
 */
export async function list(view, params) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || '']));
  const sort = SORTS[params.get('sort')] ? params.get('sort') : '-updated';
  const cursor = params.get('cursor') || '';
  const filterKey = qs({ ...f, sort });
  view.append(h('div', { class: 'titlebar' }, h('h1', 'Services'), session.canWrite ? link('/catalogue', 'New service') : null));
  const nb = view.querySelector('.titlebar a'); if (nb) nb.classList.add('btn', 'primary');
  const types = items(await get('/types').catch(() => []));
  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const sel = (id, opts, val) => h('select', { id, name: id }, h('option', { value: '' }, 'Any'), opts.map(([v, l]) => h('option', { value: v, selected: v === val }, l)));
  const txt = (id, val, ph) => h('input', { id, name: id, type: id === 'q' ? 'search' : 'text', value: val, placeholder: ph || '', autocomplete: 'off', spellcheck: false });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter services' },
    field('q', 'Search', txt('q', f.q, 'id, customer, description, device, port, VLAN…')),
    field('type', 'Type', sel('type', types.map((t) => [t.name, t.title || t.name]), f.type)),
    field('state', 'State', sel('state', STATES.map((x) => [x, x]), f.state)),
    field('customer', 'Customer (exact name)', txt('customer', f.customer)),
    field('device', 'Device', txt('device', f.device)),
    field('port', 'Port (with a device)', txt('port', f.port)),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'btn primary' }, 'Apply'), link('/services', 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = { sort: sort === '-updated' ? '' : sort };
    for (const k of FILTERS) q[k] = form.elements[k].value.trim();
    navigate('/services' + qs(q));
  });
  view.append(form, savedBar(f, sort));
  const problem = h('div', { 'aria-live': 'assertive' });
  const out = h('div', { class: 'results' }, h('p', { class: 'muted' }, 'Loading…'));
  view.append(problem, out);
  const [data, count] = await Promise.all([
    get('/services', { ...f, cursor, limit: PAGE, sort }),
    get('/reports/services', f).catch(() => null)]);
  const rows = items(data);
  let stack = cursorStack(filterKey);
  if (!cursor) stack = [];
  else if (!stack.includes(cursor)) stack.push(cursor);
  keepStack(filterKey, stack);
  const pageNo = cursor ? stack.indexOf(cursor) + 2 : 1;
  const total = count && typeof count.total === 'number' ? count.total : null;
  const first = (pageNo - 1) * PAGE + 1;
  const range = rows.length ? `${first}–${first + rows.length - 1}` : '0';
  const selected = new Set();
  const bulk = h('div', { class: 'bulkbar', role: 'region', 'aria-label': 'Selected services' });
  const bulkOut = h('div', { 'aria-live': 'polite' });
  const drawBulk = () => {
    clear(bulk);
    if (!session.canWrite) return;
    const n = selected.size;
    const ids = [...selected];
    const b = (label, fn) => h('button', { type: 'button', class: 'btn secondary', disabled: !n, onclick: () => fn(ids) }, label);
    bulk.append(h('span', { class: 'muted' }, n ? `${n} selected` : 'Select services to act on several at once'),
      b(`Audit ${n || ''}`.trim(), (x) => bulkAudit(x, bulkOut)), b(`Re-deploy ${n || ''} (preview)`.trim(), (x) => bulkRedeploy(x, bulkOut)));
    if (n) bulk.append(h('button', { type: 'button', class: 'btn link', onclick: () => { selected.clear(); out.querySelectorAll('input.pick').forEach((c) => { c.checked = false; }); drawBulk(); } }, 'Clear selection'));
  };
  const sortHead = (label, key) => {
    const asc = sort === key; const desc = sort === '-' + key;
    const nextSort = asc ? '-' + key : key;
    const a = link('/services' + qs({ ...f, sort: nextSort === '-updated' ? '' : nextSort }), label, h('span', { 'aria-hidden': 'true' }, asc ? ' ▲' : desc ? ' ▼' : ' ↕'));
    a.setAttribute('aria-label', `${label}: sort ${asc ? 'descending' : 'ascending'}`);
    return { node: a, sort: asc ? 'ascending' : desc ? 'descending' : null };
  };
  const idHead = sortHead('Service', 'id');
  const upHead = sortHead('Updated', 'updated');
  const pickAll = h('input', { type: 'checkbox', class: 'pickall', 'aria-label': 'Select every service on this page' });
  pickAll.addEventListener('change', () => {
    out.querySelectorAll('input.pick').forEach((c) => { c.checked = pickAll.checked; if (pickAll.checked) selected.add(c.value); else selected.delete(c.value); });
    drawBulk();
  });
  const cols = [
    [session.canWrite ? pickAll : '', (s) => (session.canWrite ? h('input', { type: 'checkbox', class: 'pick', value: s.id, 'aria-label': `Select ${s.id}`,
      onchange: (ev) => { if (ev.target.checked) selected.add(s.id); else selected.delete(s.id); drawBulk(); } }) : '')],
    [idHead.node, (s) => link(`/services/${encodeURIComponent(s.id)}`, s.id)],
    ['Type', (s) => s.type],
    ['Customer', (s) => (s.customer ? link(`/customers/${encodeURIComponent(s.customer)}`, s.customer) : '')],
    ['Description', (s) => h('span', { class: 'desc' }, description(s))],
    ['State', (s) => badge(s.state)],
    ['Endpoints', (s) => h('span', { class: 'endpoints' }, endpointsText(s))],
    ['Version', (s) => String(s.version ?? '')],
    [upHead.node, (s) => fmtTime(s.updated)],
  ];
  const caption = total !== null ? `Services ${range} of ${total}, page ${pageNo} of ${Math.max(1, Math.ceil(total / PAGE))}, ${SORTS[sort].toLowerCase()}` : `Services, page ${pageNo}`;
  const tbl = table(cols, rows, { caption, empty: FILTERS.some((k) => f[k]) ? 'No service matches these filters.' : 'No services yet.', class: 'data services' });
  const ths = tbl.querySelectorAll('thead th');
  if (idHead.sort) ths[1].setAttribute('aria-sort', idHead.sort);
  if (upHead.sort) ths[8].setAttribute('aria-sort', upHead.sort);
  const csv = h('button', { type: 'button', class: 'btn secondary' }, 'Export CSV');
  csv.addEventListener('click', async () => {
    csv.disabled = true; csv.textContent = 'Exporting…'; clear(problem);
    try { await exportCSV(f, sort); } catch (e) { problem.append(errorBox(e)); } finally { csv.disabled = false; csv.textContent = 'Export CSV'; }
  });
  clear(out, h('div', { class: 'listhead' },
    h('p', { class: 'totals', role: 'status' }, total !== null ? `${total} service${total === 1 ? '' : 's'} match${total === 1 ? 'es' : ''}${FILTERS.some((k) => f[k]) ? ' these filters' : ''}.` : `${rows.length} shown.`), csv),
  bulk, bulkOut, tbl);
  drawBulk();
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (cursor) {
    const i = stack.indexOf(cursor);
    pager.append(link('/services' + qs({ ...f, sort: sort === '-updated' ? '' : sort, cursor: i > 0 ? stack[i - 1] : '' }), '← Previous page'));
  }
  pager.append(h('span', { class: 'muted' }, `Page ${pageNo}${total !== null ? ' of ' + Math.max(1, Math.ceil(total / PAGE)) : ''} · ${rows.length} shown`));
  if (data && data.next_cursor) {
    const i = cursor ? stack.indexOf(cursor) : -1;
    const next = link('/services' + qs({ ...f, sort: sort === '-updated' ? '' : sort, cursor: data.next_cursor }), 'Next page →');
    next.addEventListener('click', () => { const st = stack.slice(0, i + 1); st.push(data.next_cursor); keepStack(filterKey, st); });
    pager.append(next);
  }
  out.append(pager);
}

// savedBar offers the saved filters and saves the current one under a name (localStorage).
function savedBar(f, sort) {
  const bar = h('div', { class: 'savedbar' });
  const draw = () => {
    const saved = savedFilters();
    const here = '/services' + qs({ ...f, sort: sort === '-updated' ? '' : sort });
    const name = h('input', { id: 'save-name', type: 'text', autocomplete: 'off', maxLength: 40, placeholder: 'e.g. ACME failed' });
    const save = h('form', { class: 'inline savefilter' }, h('label', { for: 'save-name' }, 'Save these filters as'), name, h('button', { type: 'submit', class: 'btn secondary' }, 'Save'));
    save.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const n = name.value.trim();
      if (!n) { name.focus(); return; }
      keepSaved(saved.filter((x) => x.name !== n).concat([{ name: n, href: here }]));
      draw();
      toast(`Saved "${n}".`);
    });
    clear(bar, saved.length ? h('ul', { class: 'chips saved', 'aria-label': 'Saved filters' }, saved.map((x) => h('li', { class: 'chip' }, link(x.href, x.name),
      h('button', { type: 'button', class: 'btn link', 'aria-label': `Forget the saved filter ${x.name}`, onclick: () => { keepSaved(savedFilters().filter((y) => y.name !== x.name)); draw(); } }, '×')))) : null,
    FILTERS.some((k) => f[k]) ? save : null);
  };
  draw();
  return bar;
}

function csvCell(v) {
  const t = String(v ?? '');
  // A leading = + - @ would make a spreadsheet evaluate the cell: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

// exportCSV downloads every service the filters select (up to 50,000, 1,000 per request).
async function exportCSV(f, sort) {
  const lines = [['id', 'type', 'customer', 'description', 'state', 'version', 'endpoints', 'updated'].join(',')];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const data = await get('/services', { ...f, sort, cursor, limit: 1000 });
    for (const s of items(data)) lines.push([s.id, s.type, s.customer, description(s), s.state, s.version, endpointsText(s), s.updated].map(csvCell).join(','));
    cursor = (data && data.next_cursor) || '';
    if (!cursor) break;
  }
  const url = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' }));
  const a = h('a', { href: url, download: `services-${new Date().toISOString().slice(0, 10)}.csv`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  toast(`Exported ${lines.length - 1} services.`);
}

// bulkAudit audits each selected service in turn and tabulates the outcome.
async function bulkAudit(ids, out) {
  const rows = ids.map((id) => ({ id, state: 'waiting', text: '' }));
  const draw = () => clear(out, h('section', { class: 'bulkresult', 'aria-label': 'Audit of the selected services' }, h('h2', 'Audit of the selected services'),
    table([['Service', (r) => link(`/services/${encodeURIComponent(r.id)}`, r.id)], ['Outcome', (r) => badge(r.state)], ['Detail', (r) => r.text]], rows)));
  draw();
  for (const r of rows) {
    try {
      const res = (await call('POST', `/services/${encodeURIComponent(r.id)}/audit`)).data || {};
      r.state = res.in_sync ? 'in-sync' : 'drifted';
      r.text = res.in_sync ? 'Every device holds what the service owns.' : `${(res.drift || []).length} target${(res.drift || []).length === 1 ? '' : 's'} drifted: open the service to repair it.`;
    } catch (e) { r.state = 'error'; r.text = e.title + (e.detail ? `: ${e.detail}` : ''); }
    draw();
  }
}

// bulkRedeploy previews a re-deploy of each selected service; the operator then commits the
// plans that change something, all at once, after reading the summary.
async function bulkRedeploy(ids, out) {
  const rows = ids.map((id) => ({ id, state: 'waiting', text: '', plan: null }));
  const commitBtn = h('button', { type: 'button', class: 'btn primary', disabled: true }, 'Commit the re-deploys that change something');
  const draw = () => {
    const todo = rows.filter((r) => r.plan && r.changes > 0 && r.state === 'planned');
    commitBtn.disabled = !todo.length || rows.some((r) => r.state === 'waiting');
    commitBtn.textContent = `Commit ${todo.length} re-deploy${todo.length === 1 ? '' : 's'} that change something`;
    clear(out, h('section', { class: 'bulkresult', 'aria-label': 'Re-deploy of the selected services' }, h('h2', 'Re-deploy of the selected services'),
      h('p', { class: 'muted' }, 'Nothing has touched the network yet: each plan is listed with what it changes. Open one to read its device changes.'),
      table([['Service', (r) => link(`/services/${encodeURIComponent(r.id)}`, r.id)], ['Outcome', (r) => badge(r.state)],
        ['Changes', (r) => (r.plan ? link(`/plans/${encodeURIComponent(r.plan.id)}`, `${r.changes} change${r.changes === 1 ? '' : 's'}`) : '')],
        ['Detail', (r) => (r.run ? link(`/runs/${encodeURIComponent(r.run)}`, r.text) : r.text)]], rows),
      h('div', { class: 'actions' }, commitBtn)));
  };
  commitBtn.addEventListener('click', async () => {
    commitBtn.disabled = true;
    for (const r of rows.filter((x) => x.plan && x.changes > 0 && x.state === 'planned')) {
      try { const run = (await call('POST', `/plans/${encodeURIComponent(r.plan.id)}/apply`)).data || {}; r.state = 'committed'; r.run = run.id; r.text = `run ${run.id}`; } catch (e) { r.state = 'error'; r.text = e.title + (e.detail ? `: ${e.detail}` : ''); }
      draw();
    }
  });
  draw();
  for (const r of rows) {
    try {
      const { etag } = await loadService(r.id);
      const plan = (await call('POST', `/services/${encodeURIComponent(r.id)}/redeploy`, { query: { dry_run: 'true' }, headers: { 'If-Match': etag } })).data;
      r.plan = plan;
      plans.set(plan.id, { plan, back: '/services' });
      r.changes = (plan.targets || []).reduce((n, t) => n + ((t.change_set && t.change_set.changes) || []).length, 0);
      r.state = 'planned';
      r.text = r.changes ? 'Previewed: commit below, or open the plan.' : 'In sync: nothing to re-deploy.';
    } catch (e) { r.state = 'error'; r.text = e.title + (e.detail ? `: ${e.detail}` : ''); }
    draw();
  }
}

/** loadService returns the service and its ETag (for If-Match). */
async function loadService(id) {
  const res = await call('GET', `/services/${encodeURIComponent(id)}`);
  const etag = res.etag || (res.data.version !== undefined ? `"${res.data.version}"` : '');
  return { svc: res.data, etag };
}

/** detail shows one service: intent, state, owned configuration, allocations, runs. */
export async function detail(view, id) {
  let loaded;
  try { loaded = await loadService(id); } catch (e) {
    if (e.status !== 404) throw e;
    await gone(view, id);
    return;
  }
  const { svc, etag } = loaded;
  const p = await pack(svc.type).catch(() => null);
  const problem = h('div', { 'aria-live': 'assertive' });
  const auditOut = h('div', { 'aria-live': 'polite' });
  const bar = h('div', { class: 'actions' });
  const busy = ['creating', 'modifying', 'deleting'].includes(svc.state);
  if (session.canWrite) {
    const act = (label, fn, cls = 'secondary') => {
      const b = h('button', { type: 'button', class: ['btn', cls], disabled: busy && label !== 'Run audit' }, label);
      b.addEventListener('click', async () => {
        clear(problem); b.disabled = true;
        try { await fn(); } catch (e) { const box = errorBox(e); box.tabIndex = -1; problem.append(box); box.focus(); } finally { b.disabled = false; }
      });
      return b;
    };
    const modify = link(`/services/${encodeURIComponent(id)}/modify`, 'Modify'); modify.classList.add('btn', 'primary');
    bar.append(modify);
    if (p && hasEndpoints(p)) { const mg = link(`/services/${encodeURIComponent(id)}/migrate`, 'Migrate an endpoint'); mg.classList.add('btn', 'secondary'); bar.append(mg); }
    { const cl = link(`/services/${encodeURIComponent(id)}/clone`, 'Clone'); cl.classList.add('btn', 'secondary'); bar.append(cl); }
    bar.append(
      act('Run audit', async () => { clear(auditOut, h('p', { class: 'muted' }, 'Auditing…')); const r = (await call('POST', `/services/${encodeURIComponent(id)}/audit`)).data; clear(auditOut, renderAudit(r, etag)); }),
      act('Re-deploy', () => previewOp('POST', `/services/${encodeURIComponent(id)}/redeploy`, etag)),
      act('Delete', () => previewOp('DELETE', `/services/${encodeURIComponent(id)}`, etag), 'danger'));
  }
  const opsOut = h('div', { class: 'opsout', 'aria-live': 'polite' });
  if (session.canWrite && p && Array.isArray(p.ops) && p.ops.length) {
    for (const op of p.ops) {
      const b = h('button', { type: 'button', class: 'btn secondary', title: op.description || '', disabled: busy }, op.title || op.name);
      b.addEventListener('click', async () => {
        b.disabled = true; clear(opsOut, h('p', { class: 'muted' }, `${op.title || op.name}…`));
        try { clear(opsOut, opResults(op, (await call('POST', `/services/${encodeURIComponent(id)}/ops/${encodeURIComponent(op.name)}`)).data)); } catch (e) { clear(opsOut, errorBox(e)); } finally { b.disabled = false; }
      });
      bar.append(b);
    }
  }
  view.append(h('div', { class: 'titlebar' }, h('h1', svc.id), badge(svc.state)));
  if (svc.state === 'failed') {
    const never = Number(svc.version) === 0;
    view.append(h('div', { class: 'note failed-note', role: 'note' },
      h('strong', never ? 'The create of this service failed.' : 'The last change of this service failed.'),
      h('p', never
        ? 'Every device was rolled back, so the network holds nothing of it, but the id stays taken. Modify it to correct the input and try again, or delete it to free the id.'
        : 'Every device was rolled back to the previous version. Modify it to correct the input, re-deploy the recorded version, or delete it.'),
      svc.last_run ? h('p', link(`/runs/${encodeURIComponent(svc.last_run)}`, 'See the failed run and why it failed')) : null));
  }
  view.append(bar, problem, auditOut, opsOut);
  view.append(h('dl', { class: 'facts' },
    h('dt', 'Type'), h('dd', p ? `${p.title || svc.type} (${svc.type})` : svc.type),
    h('dt', 'Customer'), h('dd', svc.customer ? link(`/customers/${encodeURIComponent(svc.customer)}`, svc.customer) : '—'),
    h('dt', 'Version'), h('dd', String(svc.version ?? '')),
    h('dt', 'Pack version'), h('dd', svc.pack_version || ''),
    h('dt', 'Created'), h('dd', fmtTime(svc.created)),
    h('dt', 'Updated'), h('dd', fmtTime(svc.updated)),
    svc.last_run ? [h('dt', 'Last run'), h('dd', link(`/runs/${encodeURIComponent(svc.last_run)}`, svc.last_run))] : null));
  const eps = intentEndpoints(svc.intent, svc.endpoints);
  view.append(h('section', h('h2', 'Topology'), topology(svc, eps)));
  view.append(h('section', h('h2', 'Endpoints'), table([
    ['Device', (e) => link(`/inventory/${encodeURIComponent(e.device)}`, e.device)], ['Port', (e) => e.port || ''],
    ['VLAN', (e) => (e.vlan === undefined ? '' : `${e.vlan}${e.inner !== undefined ? '.' + e.inner : ''}`)],
    ['Address', (e) => e.address || ''], ['Peer', (e) => e.peer || '']], eps, { empty: 'No endpoints recorded.' })));
  view.append(h('section', { class: 'intent' }, h('h2', 'Intent'), intentView(svc.intent, p ? p.schema : null),
    h('details', { class: 'extra' }, h('summary', 'As JSON'), h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Intent as JSON' }, pretty(svc.intent)))));
  const cfg = h('section', h('h2', 'Owned configuration'), h('p', { class: 'muted' }, 'Loading…'));
  const alloc = h('section', h('h2', 'Allocations'), h('p', { class: 'muted' }, 'Loading…'));
  const runs = h('section', h('h2', 'Run history'), h('p', { class: 'muted' }, 'Loading…'));
  const versions = h('section', { class: 'versions' }, h('h2', 'Versions'), h('p', { class: 'muted' }, 'Loading…'));
  view.append(versions, cfg, alloc, runs);
  const [c, a, r, nat] = await Promise.allSettled([
    get(`/services/${encodeURIComponent(id)}/config`), get(`/services/${encodeURIComponent(id)}/allocations`), get(`/services/${encodeURIComponent(id)}/runs`),
    get(`/services/${encodeURIComponent(id)}/config/native`)]);
  if (c.status === 'fulfilled') {
    const rows = items(c.value);
    const native = new Map((nat.status === 'fulfilled' ? items(nat.value) : []).map((n) => [n.target, n]));
    const by = new Map();
    for (const l of rows) { if (!by.has(l.target)) by.set(l.target, []); by.get(l.target).push(l); }
    clear(cfg, h('h2', 'Owned configuration'), by.size ? [...by.entries()].map(([t, ls]) => {
      const n = native.get(t);
      const fmt = n ? ({ 'junos-set': 'Junos set commands', 'sam-ops': 'SAM object operations', 'netconf-xml': 'NETCONF XML', text: 'Paths' }[n.format] || n.format) : '';
      return h('section', { class: 'owned', 'aria-label': `Owned on ${t}` }, h('h3', `${t} — ${ls.length} node${ls.length === 1 ? '' : 's'}${fmt ? ', ' + fmt : ''}`),
        n ? h('pre', { class: 'native', tabindex: '0', 'aria-label': `${fmt} owned on ${t}` }, n.text) : null,
        h('details', { class: 'extra', open: !n }, h('summary', 'As configuration paths'),
          table([['Path', (l) => h('code', l.path)], ['Value', (l) => l.value || '']], ls)));
    }) : h('p', { class: 'muted' }, 'This service owns no configuration.'));
  } else clear(cfg, h('h2', 'Owned configuration'), errorBox(c.reason));
  if (a.status === 'fulfilled') clear(alloc, h('h2', 'Allocations'), table([['Pool', (x) => x.pool], ['Scope', (x) => x.scope || ''], ['Key', (x) => x.key || ''], ['Value', (x) => String(x.value)]], items(a.value), { empty: 'No allocations.' }));
  else clear(alloc, h('h2', 'Allocations'), errorBox(a.reason));
  if (r.status === 'fulfilled') {
    clear(runs, h('h2', 'Run history'), runHistory(items(r.value)));
    clear(versions, h('h2', 'Versions'), versionsView(items(r.value), svc, p));
  } else { clear(runs, h('h2', 'Run history'), errorBox(r.reason)); clear(versions, h('h2', 'Versions'), errorBox(r.reason)); }
}

function runHistory(rs) {
  return table([['Run', (x) => link(`/runs/${encodeURIComponent(x.id)}`, x.id)], ['Kind', (x) => x.kind], ['State', (x) => badge(x.state)], ['By', (x) => x.user || ''],
    ['Started', (x) => fmtTime(x.created)], ['Elapsed', (x) => elapsed(x)], ['Error', (x) => (x.error ? plainError(x.error) : '')]], rs, { empty: 'No runs.', class: 'data runs' });
}

// gone is the page of a service that does not exist (deleted, or never created): its runs
// stay on record, so its history does not vanish with it.
async function gone(view, id) {
  view.append(h('h1', id), errorBox({ title: `There is no service ${id} now`, detail: 'It was deleted, or never existed. The runs recorded for it are listed below.' }));
  const rs = items(await get('/runs', { service: id, limit: 200 }).catch(() => []));
  view.append(h('section', h('h2', 'Run history'), runHistory(rs)));
  const last = rs.find((x) => x.state === 'succeeded' && requestOf(x) && requestOf(x).intent);
  if (last) view.append(h('section', { class: 'intent' }, h('h2', 'Last recorded intent'), h('p', { class: 'muted' }, `As run ${last.id} (${last.kind}, ${fmtTime(last.created)}) requested it.`), intentView(requestOf(last).intent, null)));
}

function requestOf(run) {
  let r = run.request;
  if (typeof r === 'string') { try { r = JSON.parse(r); } catch { r = null; } }
  return r && typeof r === 'object' ? r : null;
}

// versionsView lists the versions of the service, one per run that changed its intent and
// succeeded, each with the plan of its device changes, and compares any two intents.
function versionsView(rs, svc, p) {
  const vs = rs.filter((x) => x.state === 'succeeded' && ['create', 'modify', 'migrate'].includes(x.kind) && requestOf(x) && requestOf(x).intent)
    .slice().reverse().map((x, i) => ({ n: i + 1, run: x, intent: requestOf(x).intent }));
  if (!vs.length) return h('p', { class: 'muted' }, 'No recorded change of this service carries its intent yet.');
  const schema = p ? p.schema : null;
  const out = h('div', { 'aria-live': 'polite' });
  const pick = (id, label, sel) => h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id }, vs.map((v) => h('option', { value: String(v.n - 1), selected: v.n - 1 === sel }, `${v.n}: ${v.run.kind} by ${v.run.user || '?'}, ${fmtTime(v.run.created)}`))));
  const from = pick('ver-from', 'Compare', Math.max(0, vs.length - 2));
  const to = pick('ver-to', 'with', vs.length - 1);
  const draw = () => {
    const a = vs[Number(from.querySelector('select').value)]; const b = vs[Number(to.querySelector('select').value)];
    clear(out, diffTable(diffIntents(a.intent, b.intent, schema), `Intent of change ${a.n} → change ${b.n}`),
      h('p', 'Device changes of each: ', [a, b].map((v, i) => [i ? ', ' : '', v.run.plan_id ? link(`/plans/${encodeURIComponent(v.run.plan_id)}`, `change ${v.n}`) : `change ${v.n} (no plan recorded)`]), '.'));
  };
  from.querySelector('select').addEventListener('change', draw);
  to.querySelector('select').addEventListener('change', draw);
  draw();
  return h('div', table([['#', (v) => String(v.n)], ['Change', (v) => v.run.kind], ['By', (v) => v.run.user || ''], ['When', (v) => fmtTime(v.run.created)],
    ['Run', (v) => link(`/runs/${encodeURIComponent(v.run.id)}`, v.run.id)], ['Device changes', (v) => (v.run.plan_id ? link(`/plans/${encodeURIComponent(v.run.plan_id)}`, 'plan') : '')]], vs.slice().reverse(),
  { caption: `${vs.length} recorded change${vs.length === 1 ? '' : 's'} of the intent (the service is at version ${svc.version})` }),
  h('div', { class: 'inline versionpick' }, from, to), out);
}

// opResults draws what a pack op answered per endpoint.
function opResults(op, res) {
  const rs = (res && res.results) || [];
  return h('section', { class: 'opresult', 'aria-label': op.title || op.name }, h('h2', op.title || op.name),
    rs.length ? rs.map((x) => h('div', h('h3', `${x.device || ''}${x.endpoint !== undefined ? ' (endpoint ' + (Number(x.endpoint) + 1) + ')' : ''}${x.command ? ': ' + x.command : ''}`),
      x.error ? h('p', { class: 'error' }, plainError(x.error)) : h('pre', { class: 'native', tabindex: '0' }, x.text || '(no output)'))) : h('p', { class: 'muted' }, 'No endpoint answered.'));
}

function hasEndpoints(p) {
  const probe = new Form({ type: p.name, schema: p.schema, form: p.form });
  return probe.endpointLists().length > 0;
}

/** modify shows the form prefilled with the service's intent. */
export async function modify(view, id) {
  const { svc, etag } = await loadService(id);
  const p = await pack(svc.type);
  if (!session.canWrite) { view.append(h('h1', `Modify ${id}`), h('p', { class: 'error' }, 'Your role cannot modify services.')); return; }
  await formPage(view, { type: svc.type, pack: p, mode: 'modify', service: svc, etag,
    lead: `Change what you need; the preview shows only what differs from version ${svc.version}.` });
}

/** migrate moves one endpoint to another device or port: a modify limited to its pickers. */
export async function migrate(view, id, params) {
  const { svc, etag } = await loadService(id);
  const p = await pack(svc.type);
  const common = await loadCommon();
  const probe = new Form({ type: svc.type, schema: p.schema, form: p.form, common, data: svc.intent });
  const lists = probe.endpointLists();
  if (!lists.length) { view.append(h('h1', `Migrate ${id}`), h('p', 'This service type has no endpoint list to migrate.')); return; }
  const opts = [];
  lists.forEach((l, li) => (getAt(svc.intent, l.keys) || []).forEach((item, i) => {
    const dev = l.controls.find((c) => c.options.widget === 'device-picker');
    const port = l.controls.find((c) => c.options.widget === 'port-picker');
    const dv = dev ? getAt(item, dev.scope.replace(/^#\/properties\//, '').split('/properties/')) : '';
    const pv = port ? getAt(item, port.scope.replace(/^#\/properties\//, '').split('/properties/')) : '';
    opts.push({ li, i, label: `Endpoint ${i + 1}: ${dv || '?'} ${pv || ''}`.trim() });
  }));
  const chosen = Math.max(0, Math.min(opts.length - 1, Number(params.get('endpoint') || 0)));
  const pick = opts[chosen];
  const selId = nextId('ep');
  const select = h('select', { id: selId }, opts.map((o, k) => h('option', { value: String(k), selected: k === chosen }, o.label)));
  select.addEventListener('change', () => navigate(`/services/${encodeURIComponent(id)}/migrate?endpoint=${select.value}`, true));
  const l = lists[pick.li];
  const itemSch = probe.sc.items(probe.schemaAt(probe.schema, l.keys));
  const wrap = h('div');
  view.append(wrap);
  await formPage(wrap, {
    type: svc.type, pack: p, mode: 'migrate', service: svc, etag,
    title: `Migrate an endpoint of ${id}`,
    lead: 'Move one endpoint to another device or port; everything else stays as it is. The preview shows what leaves the old place and what the new place receives.',
    root: { element: { type: 'VerticalLayout', elements: l.controls }, path: [...l.keys, pick.i], schema: itemSch },
  });
  wrap.querySelector('h1').after(h('div', { class: 'field narrow' }, h('label', { for: selId }, 'Endpoint to move'), select));
}


/** customer shows one customer's services: counts by state and type, devices, the list. */
export async function customer(view, name) {
  view.append(h('h1', `Customer ${name}`));
  const all = [];
  let cursor = '';
  for (let i = 0; i < 10; i++) {
    const data = await get('/services', { customer: name, sort: 'id', cursor, limit: 1000 });
    all.push(...items(data));
    cursor = (data && data.next_cursor) || '';
    if (!cursor) break;
  }
  const count = (key) => all.reduce((m, s) => m.set(s[key], (m.get(s[key]) || 0) + 1), new Map());
  const devices = new Map();
  for (const s of all) for (const e of intentEndpoints(s.intent, s.endpoints)) devices.set(e.device, (devices.get(e.device) || 0) + 1);
  view.append(h('ul', { class: 'tiles' },
    h('li', { class: 'tile' }, link(`/services?customer=${encodeURIComponent(name)}`, h('span', { class: 'num' }, String(all.length)), h('span', { class: 'lbl' }, 'services'))),
    [...count('state')].map(([st, n]) => h('li', { class: ['tile', `st-${st}`] }, link(`/services?customer=${encodeURIComponent(name)}&state=${encodeURIComponent(st)}`, h('span', { class: 'num' }, String(n)), h('span', { class: 'lbl' }, st))))),
  h('p', 'Types: ', [...count('type')].map(([t, n], i) => [i ? ', ' : '', `${t} (${n})`]), '.'),
  h('p', 'Devices: ', [...devices].sort().map(([d, n], i) => [i ? ', ' : '', link(`/inventory/${encodeURIComponent(d)}`, d), ` (${n})`]), devices.size ? '.' : 'none.'),
  h('h2', 'Services'),
  table([
    ['Service', (s) => link(`/services/${encodeURIComponent(s.id)}`, s.id)], ['Type', (s) => s.type], ['Description', (s) => description(s)],
    ['State', (s) => badge(s.state)], ['Endpoints', (s) => h('span', { class: 'endpoints' }, endpointsText(s))], ['Updated', (s) => fmtTime(s.updated)],
  ], all, { class: 'data services', caption: `${all.length} services of ${name}`, empty: `No service has the customer ${name}.` }));
}
