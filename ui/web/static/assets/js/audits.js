// Audits at scale: audit one service now, start an audit job of a scope (a device, a type, a
// customer, everything), follow jobs, read their per-service results filtered by status, and
// keep schedules.

import { h, clear, link, errorBox, table, fmtTime, badge, toast } from './dom.js';
import { call, get, items } from './api.js';
import { session, navigate } from './state.js';
import { renderAudit } from './console.js';

const scopeFields = [['device', 'Device', 'pe1'], ['type', 'Service type', 'eline'], ['customer', 'Customer', 'acme'], ['state', 'Service state', 'active']];

/** scopeText describes a job's or schedule's scope for people. */
export function scopeText(sc) {
  const parts = ['service', 'device', 'type', 'customer', 'state'].filter((k) => sc && sc[k]).map((k) => `${k} ${sc[k]}`);
  return parts.length ? parts.join(', ') : 'every service';
}

/** scopeInputs draws one text field per scope member; read() returns the scope object. */
function scopeInputs(prefix) {
  const inputs = {};
  const fields = scopeFields.map(([k, label, eg]) => {
    const id = `${prefix}-${k}`;
    inputs[k] = h('input', { id, type: 'text', autocomplete: 'off', spellcheck: false, placeholder: eg });
    return h('div', { class: 'field' }, h('label', { for: id }, label), inputs[k]);
  });
  const read = () => Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value.trim()]).filter(([, v]) => v));
  return { fields, read };
}

function counts(j) {
  return h('span', { class: 'chips' },
    h('span', { class: 'chip' }, `${j.in_sync} in sync`),
    h('span', { class: ['chip', j.drifted ? 'st-failed' : ''] }, `${j.drifted} drifted`),
    h('span', { class: 'chip' }, `${j.unknown} unknown`));
}

/** renderDrift lists what differs on each target, one line per node (missing, changed, extra). */
export function renderDrift(drift) {
  const out = h('div', { class: 'drift' });
  for (const d of drift || []) {
    const lines = [];
    for (const m of d.missing || []) lines.push(h('span', { class: 'ln ln-del' }, `- ${m.path}${m.want ? ' ' + m.want : ''}   (missing on the device)`), '\n');
    for (const c of d.changed || []) {
      lines.push(h('span', { class: 'ln ln-del' }, `- ${c.path} ${c.want}   (what the service owns)`), '\n',
        h('span', { class: 'ln ln-add' }, `+ ${c.path} ${c.actual}   (what the device holds)`), '\n');
    }
    for (const x of d.extra || []) lines.push(h('span', { class: 'ln ln-add' }, `+ ${x.path}${x.actual ? ' ' + x.actual : ''}   (added on the device, owned by nobody)`), '\n');
    out.append(h('p', h('strong', d.target || 'service'), d.error ? ` — unknown: ${d.error}` : ''));
    if (lines.length) out.append(h('pre', { class: 'native diff', tabindex: '0', 'aria-label': `Drift on ${d.target}` }, lines));
  }
  return out;
}

/** list is the audits page: one service now, audit jobs of a scope, and schedules. */
export async function list(view, params) {
  view.append(h('h1', 'Audits'), h('p', { class: 'lead' },
    'An audit compares what services own with what their devices hold now. A job reads each device once for all its services; a device that cannot be read makes its services unknown, not drifted.'));

  // One service, now.
  const out = h('div', { 'aria-live': 'polite' });
  const input = h('input', { id: 'audit-svc', type: 'text', autocomplete: 'off', spellcheck: false, required: true, value: params.get('service') || '', 'aria-describedby': 'audit-help' });
  const one = h('form', { class: 'inline', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'audit-svc' }, 'Service id'), input, h('p', { class: 'help', id: 'audit-help' }, 'Audit one service now, e.g. eline-42.')),
    h('button', { type: 'submit', class: 'btn primary', disabled: !session.canWrite }, 'Audit service'));
  one.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const id = input.value.trim();
    if (!id) { clear(out, h('p', { class: 'msg' }, 'Enter a service id.')); input.focus(); return; }
    clear(out, h('p', { class: 'muted' }, `Auditing ${id}…`));
    try { clear(out, renderAudit((await call('POST', `/services/${encodeURIComponent(id)}/audit`)).data)); } catch (e) { clear(out, errorBox(e)); }
  });
  view.append(h('h2', 'One service'), one, out);
  if (!session.canWrite) view.append(h('p', { class: 'muted' }, `Your role (${session.me.role}) can read audits but not run them.`));

  // Many services, in the background.
  const scope = scopeInputs('job');
  const jobProblem = h('div', { 'aria-live': 'assertive' });
  const start = h('form', { class: 'filters', novalidate: true },
    h('fieldset', h('legend', 'Scope (empty: every service)'), scope.fields),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary', disabled: !session.canWrite }, 'Start audit')), jobProblem);
  start.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(jobProblem);
    try {
      const j = (await call('POST', '/audits', { body: scope.read() })).data;
      toast(`Audit ${j.id} started`);
      navigate(`/audits/${encodeURIComponent(j.id)}`);
    } catch (e) { jobProblem.append(errorBox(e)); }
  });
  const jobs = h('div', { 'aria-live': 'polite' });
  view.append(h('h2', 'Audit many services'), start, h('h2', 'Audit jobs'), jobs);

  // Devices: their state at their latest audit.
  const targets = h('div');
  const check = h('button', { type: 'button', class: 'btn', disabled: !session.canWrite }, 'Check for changes');
  check.addEventListener('click', async () => {
    check.disabled = true;
    try {
      const changed = items((await call('POST', '/audit-targets/check')).data);
      toast(changed.length ? `${changed.length} device(s) changed behind xprov's back` : 'No change behind xprov\'s back');
      await drawTargets(targets);
    } catch (e) { targets.append(errorBox(e)); }
    check.disabled = !session.canWrite;
  });
  view.append(h('h2', 'Devices'), h('p', { class: 'muted' },
    'Out of sync: a service there drifted at the latest audit, or the device\'s commit history shows a change by someone else since; re-deploy or audit the device again. In sync is only said by an audit of everything on the device.'),
  h('div', { class: 'actions' }, check), targets);

  // Schedules.
  const scheds = h('div');
  view.append(h('h2', 'Schedules'), scheds);

  await Promise.all([drawJobs(view, jobs), drawTargets(targets), drawSchedules(scheds)]);
}

async function drawTargets(box) {
  let data;
  try { data = await get('/audit-targets'); } catch (e) { clear(box, errorBox(e)); return; }
  clear(box, table([
    ['Device or NMS', (t) => t.target],
    ['State', (t) => badge(t.state)],
    ['Drifted services', (t) => `${t.drifted} of ${t.services}`],
    ['Audit', (t) => link(`/audits/${encodeURIComponent(t.job)}`, t.job)],
    ['At', (t) => fmtTime(t.at)],
    ['Why', (t) => t.detail || t.error || ''],
  ], items(data), { class: 'data targets', empty: 'No device has been audited yet.' }));
}

async function drawJobs(view, box) {
  let data;
  try { data = await get('/audits', { limit: 20 }); } catch (e) { clear(box, errorBox(e)); return; }
  const rows = items(data);
  clear(box, table([
    ['Job', (j) => link(`/audits/${encodeURIComponent(j.id)}`, j.id)],
    ['Scope', (j) => scopeText(j.scope) + (j.schedule ? ' (scheduled)' : '')],
    ['State', (j) => badge(j.state)],
    ['Services', (j) => String(j.services)],
    ['Results', counts],
    ['Devices read', (j) => `${j.targets}${j.unreachable ? `, ${j.unreachable} unreachable` : ''}`],
    ['Started', (j) => fmtTime(j.created)],
    ['By', (j) => j.user || ''],
  ], rows, { class: 'data jobs', empty: 'No audit has run yet.' }));
  // Follow running jobs while this page is shown.
  if (rows.some((j) => j.state === 'pending' || j.state === 'running')) {
    setTimeout(() => { if (view.isConnected) drawJobs(view, box); }, 2000);
  }
}

async function drawSchedules(box) {
  let data;
  try { data = await get('/audit-schedules'); } catch (e) { clear(box, errorBox(e)); return; }
  const rows = items(data);
  const del = (s) => {
    if (!session.canWrite) return '';
    const b = h('button', { type: 'button', class: 'btn link' }, 'Remove');
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await call('DELETE', `/audit-schedules/${encodeURIComponent(s.id)}`); toast('Schedule removed'); drawSchedules(box); } catch (e) { box.append(errorBox(e)); b.disabled = false; }
    });
    return b;
  };
  const parts = [table([
    ['Scope', (s) => scopeText(s.scope)],
    ['Every', (s) => s.every],
    ['Next', (s) => fmtTime(s.next)],
    ['Last job', (s) => s.last_job ? link(`/audits/${encodeURIComponent(s.last_job)}`, s.last_job) : ''],
    ['By', (s) => s.user || ''],
    ['', del],
  ], rows, { class: 'data schedules', empty: 'No scheduled audit.' })];
  if (session.canWrite) {
    const scope = scopeInputs('sched');
    const every = h('select', { id: 'sched-every' }, [['1h', 'Every hour'], ['6h', 'Every 6 hours'], ['24h', 'Every day'], ['168h', 'Every week']]
      .map(([v, l]) => h('option', { value: v, selected: v === '24h' }, l)));
    const prob = h('div', { 'aria-live': 'assertive' });
    const form = h('form', { class: 'filters', novalidate: true },
      h('fieldset', h('legend', 'New schedule'), scope.fields, h('div', { class: 'field' }, h('label', { for: 'sched-every' }, 'How often'), every)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, 'Add schedule')), prob);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(prob);
      try { await call('POST', '/audit-schedules', { body: { scope: scope.read(), every: every.value } }); toast('Schedule added'); drawSchedules(box); } catch (e) { prob.append(errorBox(e)); }
    });
    parts.push(form);
  }
  clear(box, parts);
}

const statuses = [['all', 'All'], ['drifted', 'Drifted'], ['unknown', 'Unknown'], ['in-sync', 'In sync']];

/** job shows one audit job and its per-service results, filtered by status. */
export async function job(view, id, params) {
  const j = await get(`/audits/${encodeURIComponent(id)}`);
  // Drifted services first when there are some; 'all' shows every result.
  const status = params.get('status') || (j.drifted ? 'drifted' : 'all');
  view.append(h('p', link('/audits', '← Audits')), h('h1', `Audit ${j.id}`),
    h('dl', { class: 'facts' },
      h('dt', 'Scope'), h('dd', scopeText(j.scope)),
      h('dt', 'State'), h('dd', badge(j.state), j.error ? ` ${j.error}` : ''),
      h('dt', 'Services'), h('dd', String(j.services), ' ', counts(j)),
      h('dt', 'Devices read'), h('dd', `${j.targets} (each once)${j.unreachable ? `, ${j.unreachable} could not be read` : ''}`),
      h('dt', 'Started'), h('dd', fmtTime(j.created), j.user ? ` by ${j.user}` : ''),
      j.finished ? [h('dt', 'Finished'), h('dd', fmtTime(j.finished))] : null));
  if (j.state === 'pending' || j.state === 'running') {
    view.append(h('p', { class: 'muted' }, 'The audit is running; this page refreshes when it ends.'));
    setTimeout(() => { if (view.isConnected) navigate(location.pathname + location.search, true); }, 1500);
    return;
  }
  const sel = h('select', { id: 'result-status' }, statuses.map(([v, l]) => h('option', { value: v, selected: v === status }, l)));
  sel.addEventListener('change', () => navigate(`/audits/${encodeURIComponent(id)}?status=${encodeURIComponent(sel.value)}`, true));
  view.append(h('form', { class: 'filters inline' }, h('div', { class: 'field' }, h('label', { for: 'result-status' }, 'Show'), sel)));
  const rows = [];
  const body = h('div');
  const more = h('button', { type: 'button', class: 'btn' }, 'Show more');
  let cursor = '';
  const load = async () => {
    const page = await get(`/audits/${encodeURIComponent(id)}/results`, { status: status === 'all' ? '' : status, cursor, limit: 200 });
    rows.push(...items(page));
    cursor = page.next_cursor || '';
    clear(body, table([
      ['Service', (r) => link(`/services/${encodeURIComponent(r.service)}`, r.service)],
      ['Status', (r) => badge(r.status)],
      ['What differs', (r) => (r.drift && r.drift.length ? renderDrift(r.drift) : '')],
      ['', (r) => (r.status === 'drifted' && session.canWrite ? link(`/audits?service=${encodeURIComponent(r.service)}`, 'Re-audit and repair') : '')],
    ], rows, { class: 'data results', empty: status !== 'all' ? `No ${status} service in this audit.` : 'This audit covered no service.' }), cursor ? more : null);
  };
  more.addEventListener('click', () => load().catch((e) => body.append(errorBox(e))));
  view.append(body);
  await load();
}
