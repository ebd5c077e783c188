// Inventory, pools, audits and reports.

import { h, clear, link, errorBox, table, fmtTime, badge, toast } from './dom.js';
import { call, get, items } from './api.js';
import { session } from './state.js';
import { previewOp, pathText } from './pages.js';
import { servicesOf, resetInventoryCache } from './form.js';
import { barChart, usageBar, donut, pairs } from './charts.js';
import { intentEndpoints, endpointText } from './svcview.js';

function speed(m) { return !m ? '' : m >= 1000 ? `${m / 1000} Gb/s` : `${m} Mb/s`; }

/** inventory lists the managed devices. */
export async function inventory(view) {
  const problem = h('div', { 'aria-live': 'assertive' });
  const head = h('div', { class: 'titlebar' }, h('h1', 'Inventory'));
  if (session.canWrite) {
    const b = h('button', { type: 'button', class: 'btn secondary' }, 'Discover all devices');
    b.addEventListener('click', async () => {
      b.disabled = true; b.textContent = 'Discovering…'; clear(problem);
      try { await call('POST', '/devices/discover', { body: {} }); resetInventoryCache(); toast('Inventory refreshed.'); view.replaceChildren(); await inventory(view); } catch (e) { problem.append(errorBox(e)); b.disabled = false; b.textContent = 'Discover all devices'; }
    });
    head.append(b);
  }
  view.append(head, problem);
  const devs = items(await get('/devices'));
  view.append(table([
    ['Device', (d) => link(`/inventory/${encodeURIComponent(d.name)}`, d.name)],
    ['Vendor', (d) => d.vendor], ['Platform', (d) => [d.platform, d.os_version].filter(Boolean).join(' ')],
    ['Address', (d) => d.address || ''], ['Reached through', (d) => d.nms ? `NMS ${d.nms}` : 'NETCONF (direct)'],
    ['Ports', (d) => (d.ports ? String(d.ports.length) : (d.port_count ?? ''))],
  ], devs, { caption: `${devs.length} devices`, empty: 'No devices yet: run a discovery.' }));
}

/** deviceDetail shows one device's ports and the services that use each. */
export async function deviceDetail(view, name) {
  const d = await get(`/devices/${encodeURIComponent(name)}`);
  view.append(h('h1', d.name), h('dl', { class: 'facts' },
    h('dt', 'Vendor'), h('dd', d.vendor), h('dt', 'Platform'), h('dd', [d.platform, d.os_version].filter(Boolean).join(' ') || '—'),
    h('dt', 'Address'), h('dd', d.address || '—'), h('dt', 'Serial'), h('dd', d.serial || '—'),
    h('dt', 'Reached through'), h('dd', d.nms ? `NMS ${d.nms}` : 'NETCONF (direct)')));
  const ports = d.ports || [];
  view.append(h('h2', 'Ports'), table([
    ['Port', (p) => h('code', p.name)], ['Speed', (p) => speed(p.speed_mbps)],
    ['Admin', (p) => badge(p.admin_up ? 'up' : 'down')], ['Oper', (p) => badge(p.oper_up ? 'up' : 'down')],
    ['Description', (p) => p.description || ''],
    ['Services', (p) => String(servicesOf(p).length)],
    ['Used by', (p) => { const u = servicesOf(p); return u.length ? h('span', u.map((x, i) => [i ? ', ' : '', link(`/services/${encodeURIComponent(x.id)}`, x.id)])) : h('span', { class: 'muted' }, 'free'); }],
  ], ports, { empty: 'No ports discovered.' }));
  const svcs = h('section', { 'aria-labelledby': 'dev-svcs' }, h('h2', { id: 'dev-svcs' }, 'Services on this device'), h('p', { class: 'muted' }, 'Loading…'));
  view.append(svcs);
  try {
    const data = await get('/services', { device: name, sort: 'id', limit: 200 });
    const rows = items(data);
    const eps = (s) => intentEndpoints(s.intent, s.endpoints).filter((e) => e.device === name).map(endpointText).join('; ');
    clear(svcs, h('h2', { id: 'dev-svcs' }, 'Services on this device'), table([
      ['Service', (s) => link(`/services/${encodeURIComponent(s.id)}`, s.id)], ['Type', (s) => s.type],
      ['Customer', (s) => (s.customer ? link(`/customers/${encodeURIComponent(s.customer)}`, s.customer) : '')],
      ['State', (s) => badge(s.state)], ['Here', (s) => h('span', { class: 'endpoints' }, eps(s))]],
    rows, { class: 'data services', caption: data && data.next_cursor ? `The first ${rows.length} services on ${name}` : `${rows.length} service${rows.length === 1 ? '' : 's'} on ${name}`, empty: 'No service uses this device.' }),
    data && data.next_cursor ? h('p', link(`/services?device=${encodeURIComponent(name)}`, `All services on ${name}`)) : null);
    if (rows.length) svcs.append(ownedHere(d, rows.slice(0, 50)));
  } catch (e) { clear(svcs, h('h2', { id: 'dev-svcs' }, 'Services on this device'), errorBox(e)); }
  if (session.canWrite) {
    const out = h('div', { 'aria-live': 'polite' });
    const input = h('input', { id: 'op-cmd', type: 'text', autocomplete: 'off', spellcheck: false, placeholder: d.vendor === 'junos' ? 'show interfaces terse' : 'show port' });
    const form = h('form', { class: 'inline' }, h('div', { class: 'field' }, h('label', { for: 'op-cmd' }, 'Operational command'), input), h('button', { type: 'submit', class: 'btn secondary' }, 'Run'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!input.value.trim()) { input.focus(); return; }
      clear(out, h('p', { class: 'muted' }, 'Running…'));
      try { const r = (await call('POST', `/devices/${encodeURIComponent(name)}/ops`, { body: { command: input.value.trim() } })).data; clear(out, h('pre', { class: 'native', tabindex: '0' }, r.text || '')); } catch (e) { clear(out, errorBox(e)); }
    });
    view.append(h('h2', 'Troubleshoot'), form, out);
  }
}

// ownedHere shows, on request, the configuration each service owns on this device (or on the
// NMS it is reached through) in the device's own syntax.
function ownedHere(d, svcs) {
  const target = d.nms || d.name;
  const out = h('div', { class: 'ownedhere', 'aria-live': 'polite' });
  const b = h('button', { type: 'button', class: 'btn secondary' }, `Show the configuration ${svcs.length === 1 ? 'this service owns' : `these ${svcs.length} services own`} ${d.nms ? `on ${d.nms}` : 'here'}`);
  b.addEventListener('click', async () => {
    b.disabled = true;
    clear(out, h('p', { class: 'muted' }, 'Loading…'));
    const res = await Promise.allSettled(svcs.map((s) => get(`/services/${encodeURIComponent(s.id)}/config/native`)));
    clear(out, h('h3', `Configuration owned ${d.nms ? `on ${d.nms}, the NMS of ${d.name}` : `on ${d.name}`}`),
      svcs.map((s, i) => {
        const r = res[i];
        if (r.status !== 'fulfilled') return h('div', h('h4', link(`/services/${encodeURIComponent(s.id)}`, s.id)), errorBox(r.reason));
        const n = items(r.value).find((x) => x.target === target);
        return h('div', { class: 'owned' }, h('h4', link(`/services/${encodeURIComponent(s.id)}`, s.id)),
          n ? h('pre', { class: 'native', tabindex: '0', 'aria-label': `Owned by ${s.id} on ${target}` }, n.text) : h('p', { class: 'muted' }, `Owns nothing on ${target}.`));
      }));
    b.disabled = false;
  });
  return h('div', h('div', { class: 'actions' }, b), out);
}

function poolRows(data) {
  return items(data && data.pools ? data.pools : data);
}

function poolSize(p) {
  if (p.size !== undefined) return Number(p.size);
  if (p.capacity !== undefined) return Number(p.capacity);
  if (p.total !== undefined) return Number(p.total);
  if (p.min !== undefined && p.max !== undefined) return Number(p.max) - Number(p.min) + 1;
  return 0;
}

/** pools shows how full each pool is. */
export async function pools(view) {
  view.append(h('h1', 'Pools'));
  const rows = poolRows(await get('/pools'));
  view.append(table([
    ['Pool', (p) => h('strong', p.pool || p.name)], ['Scope', (p) => p.scope || 'global'],
    ['Range', (p) => (p.min !== undefined ? `${p.min}–${p.max}` : '')],
    ['Usage', (p) => usageBar(`${p.pool || p.name} ${p.scope || ''} usage`, Number(p.used || 0), poolSize(p))],
  ], rows, { empty: 'No pool has allocations yet.', class: 'data pools' }));
}

/** renderAudit draws an audit result with its drift and a re-deploy action. */
export function renderAudit(r, etag) {
  const box = h('section', { class: ['audit', r.in_sync ? 'sync' : 'drift'], 'aria-label': `Audit of ${r.service}` });
  box.append(h('h2', r.in_sync ? `${r.service} is in sync` : `${r.service} has drifted`),
    h('p', r.in_sync ? 'Every device holds exactly what this service owns.' : 'Some devices no longer hold what this service owns. Re-deploy puts it back (previewed first).'));
  for (const d of r.drift || []) {
    const pre = h('pre', { class: 'native diff', tabindex: '0', 'aria-label': `Drift on ${d.target}` });
    // Paths read as name[key]/… whatever form the audit gives them; an absent value is left out.
    const val = (v) => (v === undefined || v === null || v === '' ? '' : ` ${v}`);
    for (const m of d.missing || []) pre.append(h('span', { class: 'ln ln-del' }, `- ${pathText(m.path)}${val(m.value)}   (missing on the device)`), '\n');
    for (const c of d.changed || []) {
      pre.append(h('span', { class: 'ln ln-del' }, `- ${pathText(c.path)}${val(c.want)}   (what the service owns)`), '\n',
        h('span', { class: 'ln ln-add' }, `+ ${pathText(c.path)}${val(c.actual)}   (what the device holds)`), '\n');
    }
    box.append(h('h3', d.target), d.error ? h('p', { class: 'error' }, `Could not read ${d.target}: ${d.error}`) : null, pre);
  }
  if (!r.in_sync && session.canWrite) {
    const b = h('button', { type: 'button', class: 'btn primary' }, 'Re-deploy (preview)');
    const prob = h('div');
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        let tag = etag;
        if (!tag) { const res = await call('GET', `/services/${encodeURIComponent(r.service)}`); tag = res.etag || `"${res.data.version}"`; }
        await previewOp('POST', `/services/${encodeURIComponent(r.service)}/redeploy`, tag);
      } catch (e) { prob.append(errorBox(e)); b.disabled = false; }
    });
    box.append(h('div', { class: 'actions' }, b), prob);
  }
  return box;
}

/** audits runs an audit of one service and shows the drift. */
export async function audits(view, params) {
  view.append(h('h1', 'Audits'), h('p', { class: 'lead' }, 'An audit compares what a service owns with what its devices hold now.'));
  const out = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'audit-svc', type: 'text', autocomplete: 'off', spellcheck: false, required: true, value: params.get('service') || '', 'aria-describedby': 'audit-help' });
  const form = h('form', { class: 'inline', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'audit-svc' }, 'Service id'), input, h('p', { class: 'help', id: 'audit-help' }, 'The service to audit, e.g. eline-42.')),
    h('button', { type: 'submit', class: 'btn primary', disabled: !session.canWrite }, 'Run audit'));
  if (!session.canWrite) form.append(h('p', { class: 'muted' }, 'Your role can read audit results in reports but not run audits.'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = input.value.trim();
    if (!id) { clear(out, h('p', { class: 'msg' }, 'Enter a service id.')); input.focus(); return; }
    clear(out, h('p', { class: 'muted' }, `Auditing ${id}…`));
    try { clear(out, renderAudit((await call('POST', `/services/${encodeURIComponent(id)}/audit`)).data)); } catch (e) { clear(out, errorBox(e)); }
    await drawCompliance();
  });
  const comp = h('div', { class: 'compliance' });
  view.append(form, out, comp);
  // The chart is drawn again after each audit, so it counts the one just run.
  async function drawCompliance() {
    try {
      const sum = await get('/reports/summary');
      if (sum && sum.compliance) clear(comp, h('h2', 'Compliance'), complianceChart(sum.compliance, sum.services));
    } catch { /* reports are optional here */ }
  }
  await drawCompliance();
}

function complianceChart(c, total) {
  const audited = Number(c.audited ?? (Number(c.in_sync || 0) + Number(c.drifted || 0)));
  const unaudited = c.unaudited ?? c.not_audited ?? (total !== undefined ? Math.max(0, Number(total) - audited) : 0);
  return donut('Audit compliance', [
    { label: 'In sync', value: Number(c.in_sync ?? 0), color: '#15803d' },
    { label: 'Drifted', value: Number(c.drifted ?? 0), color: '#b91c1c' },
    { label: 'Not audited', value: Number(unaudited), color: '#9ca3af' },
  ]);
}

/** reports shows services by type, state and vendor, pool utilisation and compliance. */
export async function reports(view) {
  view.append(h('h1', 'Reports'));
  const sum = await get('/reports/summary');
  const grid = h('div', { class: 'grid' });
  grid.append(
    barChart('Services by type', pairs(sum.by_type || sum.types)),
    barChart('Services by state', pairs(sum.by_state || sum.states)),
    // The summary counts endpoints per vendor (a service with two Junos ends counts twice).
    barChart('Service endpoints by vendor', pairs(sum.by_vendor || sum.vendors)),
    complianceChart(sum.compliance || {}, sum.services));
  const pl = poolRows(sum.pools || []);
  grid.append(barChart('Pool utilisation', pl.map((p) => ({ label: `${p.pool || p.name}${p.scope ? ' ' + p.scope : ''}`, value: poolSize(p) ? Math.round((Number(p.used) / poolSize(p)) * 1000) / 10 : Number(p.used || 0) })), { unit: pl.some(poolSize) ? '%' : '', max: pl.some(poolSize) ? 100 : undefined }));
  view.append(grid);
  if (sum.generated || sum.at) view.append(h('p', { class: 'muted small' }, `As of ${fmtTime(sum.generated || sum.at)}`));
}

const lifetimes = [['', 'Never'], ['24h', '1 day'], ['168h', '7 days'], ['720h', '30 days'], ['2160h', '90 days'], ['8760h', '1 year']];

/** tokenProblem words a refused token request for people. */
function tokenProblem(e, what) {
  if (e.status === 409) return errorBox({ title: what === 'revoke' ? 'This token cannot be revoked' : 'This name is taken', detail: e.detail });
  if (e.status === 422) return errorBox({ title: 'The token request is not valid', errors: e.errors });
  return errorBox(e);
}

/** tokens lists the bearer tokens with their state and expiry, creates and revokes them (admin). */
export async function tokens(view) {
  view.append(h('h1', 'API tokens'));
  if (!session.me || session.me.role !== 'admin') {
    view.append(h('p', { class: 'error' }, `Your role (${session.me ? session.me.role : '?'}) cannot manage tokens.`));
    return;
  }
  const problem = h('div', { 'aria-live': 'assertive' });
  const created = h('div', { 'aria-live': 'polite' });
  const name = h('input', { id: 'tok-name', type: 'text', autocomplete: 'off', spellcheck: false, required: true, maxLength: 64, 'aria-describedby': 'tok-name-help' });
  const role = h('select', { id: 'tok-role' }, ['viewer', 'operator', 'designer', 'admin'].map((r) => h('option', { value: r }, r)));
  const expires = h('select', { id: 'tok-expires' }, lifetimes.map(([v, l]) => h('option', { value: v }, l)));
  const form = h('form', { class: 'inline tokform', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'tok-name' }, 'Name'), name,
      h('p', { class: 'help', id: 'tok-name-help' }, 'Up to 64 printable characters, unique among active tokens.')),
    h('div', { class: 'field' }, h('label', { for: 'tok-role' }, 'Role'), role),
    h('div', { class: 'field' }, h('label', { for: 'tok-expires' }, 'Expires after'), expires),
    h('button', { type: 'submit', class: 'btn primary' }, 'Create token'));
  const listBox = h('div');
  view.append(h('h2', 'New token'), form, problem, created, h('h2', 'Tokens'), listBox);

  async function draw() {
    const toks = items(await get('/tokens'));
    clear(listBox, table([
      ['Name', (t) => t.name], ['Role', (t) => t.role], ['State', (t) => badge(t.state)],
      ['Created', (t) => fmtTime(t.created)], ['Last used', (t) => fmtTime(t.last_used) || '—'],
      ['Expires', (t) => (t.expires ? fmtTime(t.expires) : 'never')],
      ['', (t) => (t.state !== 'active' ? '' : h('button', { type: 'button', class: 'btn link', 'aria-label': `Revoke ${t.name}`, onclick: (ev) => revoke(t, ev.target.closest('tr')) }, 'Revoke'))],
    ], toks, { class: 'data tokens', caption: `${toks.length} tokens` }));
  }
  // revoke asks for the token's name to be typed, saying what revoking does, before the red
  // button can be pressed (no dialog that Enter confirms).
  function revoke(t, row) {
    clear(problem);
    const old = listBox.querySelector('.revoke-confirm');
    if (old) old.remove();
    const input = h('input', { id: 'revoke-name', type: 'text', autocomplete: 'off', spellcheck: false, 'aria-describedby': 'revoke-help' });
    const go = h('button', { type: 'button', class: 'btn danger', disabled: true }, `Revoke ${t.name}`);
    input.addEventListener('input', () => { go.disabled = input.value.trim() !== t.name; });
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); if (!go.disabled) go.click(); } });
    const cancel = h('button', { type: 'button', class: 'btn link' }, 'Cancel');
    const box = h('tr', { class: 'revoke-confirm' }, h('td', { colSpan: 7 },
      h('div', { class: 'danger-zone' },
        h('p', `Revoking ${t.name} (${t.role}${t.last_used ? ', last used ' + fmtTime(t.last_used) : ', never used'}) signs out every client and browser that uses it, at once; it cannot be undone.`),
        h('div', { class: 'field' }, h('label', { for: 'revoke-name' }, `Type ${t.name} to confirm`), input,
          h('p', { class: 'help', id: 'revoke-help' }, 'The button stays disabled until the name matches.')),
        h('div', { class: 'actions' }, go, cancel))));
    cancel.addEventListener('click', () => box.remove());
    go.addEventListener('click', async () => {
      go.disabled = true;
      try { await call('DELETE', `/tokens/${encodeURIComponent(t.id)}`); toast(`Revoked ${t.name}.`); await draw(); } catch (e) { box.remove(); problem.append(tokenProblem(e, 'revoke')); }
    });
    row.after(box);
    input.focus();
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(problem); clear(created);
    if (!name.value.trim()) { problem.append(errorBox({ title: 'Give the token a name.' })); name.focus(); return; }
    const body = { name: name.value.trim(), role: role.value };
    if (expires.value) body.expires_in = expires.value;
    try {
      const t = (await call('POST', '/tokens', { body })).data;
      clear(created, h('div', { class: 'note', role: 'status' },
        h('p', h('strong', `Token ${t.name} (${t.role}) created`), t.expires ? ` — expires ${fmtTime(t.expires)}` : ' — does not expire', '.'),
        h('p', 'Copy it now: it is shown only this once.'),
        h('pre', { class: 'native token-plain', tabindex: '0' }, t.token)));
      name.value = '';
      await draw();
    } catch (e) {
      problem.append(tokenProblem(e, 'create'));
      name.focus();
    }
  });
  await draw();
}
