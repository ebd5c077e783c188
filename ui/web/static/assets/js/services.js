// Services: the filtered, cursor-paginated list; the detail page; modify, migrate, delete.

import { h, clear, link, errorBox, table, fmtTime, badge, pretty, nextId } from './dom.js';
import { call, get, items, qs } from './api.js';
import { session, navigate } from './state.js';
import { pack, formPage, previewOp } from './pages.js';
import { Form } from './form.js';
import { loadCommon, getAt } from './schema.js';
import { renderAudit } from './console.js';
import { intentEndpoints, intentView, topology } from './svcview.js';

const PAGE = 50;
const STATES = ['active', 'creating', 'modifying', 'deleting', 'failed'];
// Cursors of the pages before the current one, per filter set, for "Previous".
const back = new Map();

function endpointsText(s) {
  return (s.endpoints || []).map((e) => (e.port ? `${e.device} ${e.port}` : e.device)).join(', ');
}

/** list shows services with filters, search and cursor pagination (one page per request). */
export async function list(view, params) {
  const f = Object.fromEntries(['type', 'state', 'customer', 'device', 'port', 'q'].map((k) => [k, params.get(k) || '']));
  const cursor = params.get('cursor') || '';
  const filterKey = qs(f);
  view.append(h('div', { class: 'titlebar' }, h('h1', 'Services'), session.canWrite ? link('/catalogue', 'New service') : null));
  const nb = view.querySelector('.titlebar a'); if (nb) nb.classList.add('btn', 'primary');
  const types = items(await get('/types').catch(() => []));
  const field = (id, label, input) => h('div', { class: 'field' }, h('label', { for: id }, label), input);
  const sel = (id, opts, val) => h('select', { id, name: id }, h('option', { value: '' }, 'Any'), opts.map(([v, l]) => h('option', { value: v, selected: v === val }, l)));
  const txt = (id, val, ph) => h('input', { id, name: id, type: id === 'q' ? 'search' : 'text', value: val, placeholder: ph || '', autocomplete: 'off', spellcheck: false });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter services' },
    field('q', 'Search', txt('q', f.q, 'id, customer, description…')),
    field('type', 'Type', sel('type', types.map((t) => [t.name, t.title || t.name]), f.type)),
    field('state', 'State', sel('state', STATES.map((s) => [s, s]), f.state)),
    field('customer', 'Customer', txt('customer', f.customer)),
    field('device', 'Device', txt('device', f.device)),
    field('port', 'Port', txt('port', f.port)),
    h('div', { class: 'field buttons' }, h('button', { type: 'submit', class: 'btn primary' }, 'Apply'), link('/services', 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = {};
    for (const k of Object.keys(f)) q[k] = form.elements[k].value.trim();
    navigate('/services' + qs(q));
  });
  view.append(form);
  const out = h('div', { class: 'results', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  view.append(out);
  const data = await get('/services', { ...f, cursor, limit: PAGE, sort: '-updated' });
  const rows = items(data);
  const stack = back.get(filterKey) || [];
  const pageNo = cursor ? stack.indexOf(cursor) + 2 || stack.length + 1 : 1;
  clear(out,
    table([
      ['Service', (s) => link(`/services/${encodeURIComponent(s.id)}`, s.id)],
      ['Type', (s) => s.type],
      ['Customer', (s) => s.customer || ''],
      ['State', (s) => badge(s.state)],
      ['Endpoints', (s) => h('span', { class: 'endpoints' }, endpointsText(s))],
      ['Version', (s) => String(s.version ?? '')],
      ['Updated', (s) => fmtTime(s.updated)],
    ], rows, { caption: `Services, page ${pageNo}`, empty: filterKey ? 'No service matches these filters.' : 'No services yet.', class: 'data services' }));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  if (cursor) {
    const i = stack.indexOf(cursor);
    const prev = i > 0 ? stack[i - 1] : '';
    pager.append(link('/services' + qs({ ...f, cursor: prev }), '← Previous page'));
  }
  pager.append(h('span', { class: 'muted' }, `Page ${pageNo} · ${rows.length} shown`));
  if (data && data.next_cursor) {
    const next = link('/services' + qs({ ...f, cursor: data.next_cursor }), 'Next page →');
    next.addEventListener('click', () => {
      const st = back.get(filterKey) || [];
      if (!st.includes(data.next_cursor)) { const i = cursor ? st.indexOf(cursor) : -1; st.splice(i + 1, st.length, data.next_cursor); }
      back.set(filterKey, st);
    });
    pager.append(next);
  }
  out.append(pager);
}

/** loadService returns the service and its ETag (for If-Match). */
async function loadService(id) {
  const res = await call('GET', `/services/${encodeURIComponent(id)}`);
  const etag = res.etag || (res.data.version !== undefined ? `"${res.data.version}"` : '');
  return { svc: res.data, etag };
}

/** detail shows one service: intent, state, owned configuration, allocations, runs. */
export async function detail(view, id) {
  const { svc, etag } = await loadService(id);
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
    bar.append(
      act('Run audit', async () => { clear(auditOut, h('p', { class: 'muted' }, 'Auditing…')); const r = (await call('POST', `/services/${encodeURIComponent(id)}/audit`)).data; clear(auditOut, renderAudit(r, etag)); }),
      act('Re-deploy', () => previewOp('POST', `/services/${encodeURIComponent(id)}/redeploy`, etag)),
      act('Delete', () => previewOp('DELETE', `/services/${encodeURIComponent(id)}`, etag), 'danger'));
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
  view.append(bar, problem, auditOut);
  view.append(h('dl', { class: 'facts' },
    h('dt', 'Type'), h('dd', p ? `${p.title || svc.type} (${svc.type})` : svc.type),
    h('dt', 'Customer'), h('dd', svc.customer || '—'),
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
  view.append(cfg, alloc, runs);
  const [c, a, r] = await Promise.allSettled([
    get(`/services/${encodeURIComponent(id)}/config`), get(`/services/${encodeURIComponent(id)}/allocations`), get(`/services/${encodeURIComponent(id)}/runs`)]);
  if (c.status === 'fulfilled') {
    const rows = items(c.value);
    const by = new Map();
    for (const l of rows) { if (!by.has(l.target)) by.set(l.target, []); by.get(l.target).push(l); }
    clear(cfg, h('h2', 'Owned configuration'), by.size ? [...by.entries()].map(([t, ls]) => h('details', { class: 'extra', open: by.size <= 2 },
      h('summary', `${t} — ${ls.length} node${ls.length === 1 ? '' : 's'}`),
      table([['Path', (l) => h('code', l.path)], ['Value', (l) => l.value || '']], ls))) : h('p', { class: 'muted' }, 'This service owns no configuration.'));
  } else clear(cfg, h('h2', 'Owned configuration'), errorBox(c.reason));
  if (a.status === 'fulfilled') clear(alloc, h('h2', 'Allocations'), table([['Pool', (x) => x.pool], ['Scope', (x) => x.scope || ''], ['Key', (x) => x.key || ''], ['Value', (x) => String(x.value)]], items(a.value), { empty: 'No allocations.' }));
  else clear(alloc, h('h2', 'Allocations'), errorBox(a.reason));
  if (r.status === 'fulfilled') clear(runs, h('h2', 'Run history'), table([['Run', (x) => link(`/runs/${encodeURIComponent(x.id)}`, x.id)], ['Kind', (x) => x.kind], ['State', (x) => badge(x.state)], ['By', (x) => x.user || ''], ['Started', (x) => fmtTime(x.created)], ['Error', (x) => x.error || '']], items(r.value), { empty: 'No runs.' }));
  else clear(runs, h('h2', 'Run history'), errorBox(r.reason));
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

