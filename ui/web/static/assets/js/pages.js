// Catalogue, the generated create/modify form, the plan preview and the live run.

import { h, clear, link, errorBox, table, fmtTime, badge, toast } from './dom.js';
import { call, get, items, eventsURL } from './api.js';
import { session, navigate } from './state.js';
import { Form, resetInventoryCache } from './form.js';
import { loadCommon, plainMessage } from './schema.js';
import { loadDraft, saveDraft, dropDraft, linkPlan, draftOfPlan } from './drafts.js';
import { intentEndpoints, endpointText, diffIntents, diffTable } from './svcview.js';

/** plans keeps plans this tab computed, so the preview needs no second request. */
export const plans = new Map();

const packs = new Map();
/** pack loads one pack with its schema and form (cached for the tab). */
export async function pack(name) {
  if (!packs.has(name)) packs.set(name, get(`/types/${encodeURIComponent(name)}`).catch((e) => { packs.delete(name); throw e; }));
  return packs.get(name);
}

function vendorChips(vs) { return h('span', { class: 'chips' }, (vs || []).map((v) => h('span', { class: 'chip' }, v))); }

/** catalogue lists the packs the engine loaded. */
export async function catalogue(view) {
  view.append(h('h1', 'Service catalogue'), h('p', { class: 'lead' }, 'Choose a service type. Every form below is generated from the pack\'s form and schema.'));
  const types = items(await get('/types'));
  if (!types.length) { view.append(h('p', { class: 'muted' }, 'No service packs are loaded.')); return; }
  view.append(h('ul', { class: 'cards' }, types.map((t) => h('li', { class: 'card' },
    h('h2', t.title || t.name),
    h('p', { class: 'muted small' }, h('code', t.name), ` · version ${t.version || '?'}`),
    t.description ? h('p', t.description) : null,
    h('p', 'Vendors: ', vendorChips(t.vendors)),
    h('div', { class: 'actions' },
      session.canWrite ? link(`/catalogue/${encodeURIComponent(t.name)}`, `New ${t.title || t.name}`) : null,
      link(`/services?type=${encodeURIComponent(t.name)}`, 'Its services'))))));
  view.querySelectorAll('.card .actions a:first-child').forEach((a) => a.classList.add('btn', 'primary'));
}

/** createService draws the generated form for a new service of one pack. */
export async function createService(view, type) {
  const p = await pack(type);
  if (!session.canWrite) {
    view.append(h('h1', `New ${p.title || type}`), h('p', { class: 'error' }, `Your role (${session.me.role}) can look but not create services.`));
    return;
  }
  await formPage(view, { type, pack: p, mode: 'create' });
}

/**
 * formPage renders a generated form and previews the change as a plan.
 * mode: create | modify | migrate; for modify/migrate: service, etag, root (migrate).
 * The input is kept as a draft (drafts.js) from the first change on: a refused preview, a
 * failed commit or a reload gives it back; a run that succeeds drops it.
 */
export async function formPage(view, o) {
  const common = await loadCommon();
  const key = `${o.mode}:${o.service ? o.service.id : o.type}${o.mode === 'migrate' ? ':' + location.search : ''}`;
  const draft = loadDraft(key);
  const title = o.title || (o.mode === 'create' ? `New ${o.pack.title || o.type}` : `Modify ${o.service.id}`);
  view.append(h('h1', title));
  if (o.lead) view.append(h('p', { class: 'lead' }, o.lead));
  if (draft) {
    const moved = o.service && draft.version !== undefined && draft.version !== o.service.version;
    view.append(h('p', { class: 'note draftnote' },
      `Your input of ${fmtTime(draft.at)} is restored${draft.plan ? ' (previewed, not committed)' : ''}. `,
      moved ? `The service moved from version ${draft.version} to ${o.service.version} since: the preview shows the difference from the current version. ` : '',
      h('button', { type: 'button', class: 'btn link', onclick: () => { dropDraft(key); navigate(location.pathname + location.search, true); } }, 'Start over')));
  }
  const save = (intent) => saveDraft(key, { intent, id: idInput ? idInput.value.trim() : '', path: location.pathname + location.search, version: o.service ? o.service.version : undefined });
  const gen = new Form({
    type: o.type, schema: o.pack.schema, form: o.pack.form, common,
    data: draft ? draft.intent : (o.service ? o.service.intent : undefined),
    serviceId: o.service ? o.service.id : '', root: o.root,
    onChange: (v) => save(v),
  });
  const problem = h('div', { 'aria-live': 'assertive' });
  let idInput = null; let idMsg = null;
  const formEl = h('form', { class: 'svcform', novalidate: true });
  if (o.mode === 'create') {
    idInput = h('input', { id: 'svc-id', type: 'text', autocomplete: 'off', spellcheck: false, pattern: '[A-Za-z0-9][A-Za-z0-9._:\\-]*', maxLength: 64, value: draft ? draft.id || '' : '', 'aria-describedby': 'svc-id-help svc-id-msg' });
    idMsg = h('p', { class: 'msg', id: 'svc-id-msg', hidden: true });
    idInput.addEventListener('input', () => { showIdMsg(''); save(gen.value()); });
    formEl.append(h('div', { class: 'field', dataset: { pointer: '/id' } }, h('label', { for: 'svc-id' }, 'Service id'), idInput,
      h('p', { class: 'help', id: 'svc-id-help' }, 'Optional. Letters, digits, dot, colon, dash and underscore, up to 64 characters, starting with a letter or digit. Leave empty and xprov picks one.'), idMsg));
  }
  function showIdMsg(text) {
    if (!idMsg) return;
    idMsg.textContent = text; idMsg.hidden = !text;
    idMsg.parentElement.classList.toggle('invalid', !!text);
    if (text) idInput.setAttribute('aria-invalid', 'true'); else idInput.removeAttribute('aria-invalid');
  }
  const status = h('p', { class: 'formstatus', role: 'status', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'btn primary' }, 'Preview changes');
  formEl.append(gen.render(), problem,
    h('div', { class: 'actions sticky' }, btn,
      o.service ? link(`/services/${encodeURIComponent(o.service.id)}`, 'Cancel') : link('/catalogue', 'Cancel'), status));
  view.append(formEl);
  const fail = (text) => { status.textContent = text; status.classList.add('bad'); };
  formEl.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(problem);
    status.classList.remove('bad');
    status.textContent = 'Checking the input…';
    if (idInput && idInput.value.trim() && (!idInput.checkValidity() || idInput.value.includes('..'))) {
      showIdMsg('Use letters, digits, dot, colon, dash and underscore, starting with a letter or digit (no "..").');
      fail('Not previewed: the service id is not valid.');
      idInput.focus();
      return;
    }
    btn.disabled = true; btn.textContent = 'Checking…';
    try {
      if (!(await gen.check())) {
        const n = gen.summary.querySelectorAll('li').length;
        fail(`Not previewed: ${n || 'some'} problem${n === 1 ? '' : 's'} to fix, listed at the top of the form.`);
        return;
      }
      btn.textContent = 'Computing the plan…';
      status.textContent = 'Computing the plan…';
      const intent = gen.value();
      save(intent);
      let res;
      if (o.mode === 'create') {
        const body = { type: o.type, intent };
        if (idInput && idInput.value.trim()) body.id = idInput.value.trim();
        res = await call('POST', '/services', { body, query: { dry_run: 'true' } });
      } else {
        res = await call('PUT', `/services/${encodeURIComponent(o.service.id)}`, { body: { intent }, query: { dry_run: 'true' }, headers: { 'If-Match': o.etag } });
      }
      const plan = res.data;
      linkPlan(key, plan.id);
      plans.set(plan.id, { plan, back: location.pathname + location.search });
      status.textContent = '';
      navigate(`/plans/${encodeURIComponent(plan.id)}`);
    } catch (e) {
      const idErrors = (e.errors || []).filter((x) => x.pointer === '/id');
      if (idInput && (e.kind === 'exists' || idErrors.length)) {
        showIdMsg(e.kind === 'exists' ? `A service with the id ${idInput.value.trim() || 'chosen'} exists already: choose another id, or leave it empty.` : plainMessage(idErrors[0].message));
        fail('Not previewed: the service id cannot be used.');
        idInput.focus();
        return;
      }
      if (e.status === 422 && e.errors && e.errors.length) {
        const probs = gen.setSubmitErrors(e.errors);
        fail(`Not previewed: the server found ${probs.length || e.errors.length} problem${(probs.length || e.errors.length) === 1 ? '' : 's'}, shown at the fields.`);
        const first = [...gen.fields.values()].find((f) => f.wrap.classList.contains('invalid'));
        if (first) gen.focusField(first); else gen.summary.focus();
      } else {
        fail('Not previewed: see the message above.');
        const box = errorBox(e);
        box.tabIndex = -1;
        problem.append(box);
        box.focus();
      }
    } finally {
      btn.disabled = false; btn.textContent = 'Preview changes';
    }
  });
  const first = formEl.querySelector('input:not([type=hidden]),select,textarea');
  if (first) first.focus();
  return gen;
}

/** previewDelete and friends: operations without a form go straight to a dry-run plan. */
export async function previewOp(method, path, etag, body) {
  const res = await call(method, path, { body, query: { dry_run: 'true' }, headers: etag ? { 'If-Match': etag } : {} });
  plans.set(res.data.id, { plan: res.data, back: location.pathname });
  navigate(`/plans/${encodeURIComponent(res.data.id)}`);
}

const OPS = { create: 'Create', modify: 'Modify', delete: 'Delete', redeploy: 'Re-deploy', migrate: 'Migrate' };

function countChanges(cs) {
  const c = { create: 0, update: 0, delete: 0 };
  for (const ch of (cs && cs.changes) || []) c[ch.op] = (c[ch.op] || 0) + 1;
  return c;
}

/** pathText words a configuration path: a string as it is, segments as name[key]/…. */
export function pathText(p) {
  if (typeof p === 'string') return p;
  if (Array.isArray(p)) {
    return p.filter((s) => s !== null && s !== undefined).map((s) => {
      if (typeof s !== 'object') return String(s);
      const keyed = s.key !== undefined && s.key !== null && (s.key !== '' || s.keyed);
      return keyed ? `${s.name}[${s.key}]` : s.name;
    }).join('/');
  }
  return String(p);
}

// nativeText draws a rendering with each line coloured by what it does.
function nativeText(text, label) {
  const pre = h('pre', { class: 'native', tabindex: '0', 'aria-label': label });
  for (const line of String(text || '').split('\n')) {
    const w = line.trim().split(/\s+/)[0].toLowerCase();
    const cls = /^(set|create|add|\+)/.test(w) ? 'ln-add' : /^(delete|remove|destroy|-)/.test(w) ? 'ln-del' : /^(modify|update|replace|~)/.test(w) ? 'ln-mod' : '';
    pre.append(h('span', { class: ['ln', cls] }, line), '\n');
  }
  return pre;
}

/** renderPlan draws a plan: per target its native form, the change set and the allocations. */
export function renderPlan(plan) {
  const out = h('div', { class: 'plan' });
  const targets = plan.targets || [];
  const totals = targets.reduce((a, t) => { const c = countChanges(t.change_set); a.create += c.create; a.update += c.update; a.delete += c.delete; return a; }, { create: 0, update: 0, delete: 0 });
  out.append(h('dl', { class: 'facts' },
    h('dt', 'Service'), h('dd', plan.service ? link(`/services/${encodeURIComponent(plan.service)}`, plan.service) : '(new)'),
    h('dt', 'Type'), h('dd', `${plan.type || ''} ${plan.pack_version ? '(pack ' + plan.pack_version + ')' : ''}`),
    h('dt', 'Operation'), h('dd', OPS[plan.op] || plan.op || ''),
    h('dt', 'Changes'), h('dd', `${targets.length} target${targets.length === 1 ? '' : 's'}: ${totals.create} to add, ${totals.update} to change, ${totals.delete} to remove`),
    h('dt', 'Plan'), h('dd', h('code', plan.id || ''), plan.hash ? h('span', { class: 'muted small' }, ` hash ${String(plan.hash).slice(0, 12)}`) : null)));
  if (!targets.length || targets.every((t) => !((t.change_set && t.change_set.changes) || []).length)) {
    out.append(h('p', { class: 'note' }, 'Nothing changes on any device: the network already matches this request.'));
  }
  for (const t of targets) {
    const c = countChanges(t.change_set);
    const r = t.rendering || {};
    const fmt = { 'junos-set': 'Junos set commands', 'sam-ops': 'SAM object operations', 'netconf-xml': 'NETCONF XML', text: 'Text' }[r.format] || r.format || 'Changes';
    const sec = h('section', { class: 'target', 'aria-label': `Changes on ${t.target}` },
      h('h2', t.target, ' ', h('span', { class: 'muted small' }, (t.devices && t.devices.length && (t.devices.length > 1 || t.devices[0] !== t.target)) ? `devices ${t.devices.join(', ')} · ` : '', `${c.create} add, ${c.update} change, ${c.delete} remove`)),
      h('h3', { class: 'small' }, fmt),
      nativeText(r.text || '(no changes)', `${fmt} for ${t.target}`));
    for (const [k, v] of Object.entries(r.extra || {})) {
      const name = { 'netconf-xml': 'NETCONF XML', 'junos-set': 'Junos set commands', 'sam-ops': 'SAM object operations', 'soap-xml': 'SAM-O SOAP XML', 'samo-xml': 'SAM-O XML' }[k] || k;
      sec.append(h('details', { class: 'extra' }, h('summary', name), h('pre', { class: 'native xml', tabindex: '0' }, v)));
    }
    const chs = (t.change_set && t.change_set.changes) || [];
    if (chs.length) {
      sec.append(h('details', { class: 'extra' }, h('summary', `Change set (${chs.length} nodes)`),
        table([['Op', (x) => h('span', { class: `op-${x.op}` }, x.op)], ['Path', (x) => h('code', pathText(x.path))], ['Value', (x) => (x.old !== undefined && x.old !== '' ? `${x.old} → ${x.value || ''}` : (x.value || ''))]], chs)));
    }
    out.append(sec);
  }
  const allocs = plan.allocations || [];
  out.append(h('section', { class: 'allocs' }, h('h2', 'Allocations'),
    allocs.length ? table([['Pool', (a) => a.pool], ['Scope', (a) => a.scope || ''], ['Key', (a) => a.key || ''], ['Value', (a) => String(a.value)]], allocs)
      : h('p', { class: 'muted' }, 'This plan takes nothing from the pools.')));
  return out;
}

/**
 * planPage shows a plan and commits it. A create, modify or re-deploy focuses "Commit this
 * plan"; a delete does not: it summarises what is removed and released and asks for the
 * service id to be typed before its red "Delete" button can be pressed.
 */
export async function planPage(view, id) {
  let entry = plans.get(id);
  if (!entry) {
    let p = await get(`/plans/${encodeURIComponent(id)}`);
    if (p && p.body && !p.targets) p = { ...(typeof p.body === 'string' ? JSON.parse(p.body) : p.body), id: p.id };
    const d = draftOfPlan(id);
    entry = { plan: p, back: d && d.draft.path ? d.draft.path : (p.service && p.op !== 'create' ? `/services/${encodeURIComponent(p.service)}` : '/catalogue') };
  }
  const plan = entry.plan;
  const destroy = plan.op === 'delete';
  view.append(h('h1', `Preview: ${OPS[plan.op] || plan.op || 'change'} ${plan.service || ''}`.trim()),
    h('p', { class: 'lead' }, 'Nothing has touched the network yet. Check the changes each device would receive, then commit this exact plan.'));
  const problem = h('div', { 'aria-live': 'assertive' });
  const actions = h('div', { class: 'actions sticky' });
  let confirmBox = null;
  if (session.canWrite) {
    const label = destroy ? `Delete ${plan.service}` : 'Commit this plan';
    const commit = h('button', { type: 'button', class: ['btn', destroy ? 'danger' : 'primary'], id: 'commit', disabled: destroy }, label);
    commit.addEventListener('click', async () => {
      if (destroy && confirmBox && confirmBox.input.value.trim() !== plan.service) { confirmBox.input.focus(); return; }
      commit.disabled = true; commit.textContent = 'Committing…';
      clear(problem);
      try {
        const res = await call('POST', `/plans/${encodeURIComponent(id)}/apply`);
        const run = res.data || {};
        plans.delete(id);
        navigate(`/runs/${encodeURIComponent(run.id)}`);
      } catch (e) {
        commit.disabled = false; commit.textContent = label;
        const box = errorBox(e.status === 409 ? { title: 'The network or the service changed since this plan was made', detail: (e.detail ? e.detail + ' ' : '') + 'Go back and preview again.' } : e);
        box.tabIndex = -1;
        problem.append(box);
        box.focus();
      }
    });
    if (destroy) {
      confirmBox = await deleteSummary(plan, commit);
      view.append(confirmBox.el);
    }
    actions.append(commit);
  }
  actions.append(link(entry.back || '/services', destroy ? 'Cancel' : 'Back to edit'));
  // What the operator changed, in the service's own terms, before the device lines.
  const req = plan.request || {};
  let change = null;
  if (['modify', 'migrate'].includes(plan.op) && req.intent && plan.service) {
    try {
      const svc = await get(`/services/${encodeURIComponent(plan.service)}`);
      const p = await pack(svc.type).catch(() => null);
      const rows = diffIntents(svc.intent, req.intent, p ? p.schema : null);
      // Values the service holds in pools that this change gives up or takes anew (a moved
      // site may be renumbered): said here, not only in the allocation table below.
      const held = items(await get(`/services/${encodeURIComponent(plan.service)}/allocations`).catch(() => []));
      for (const a of plan.allocations || []) {
        const was = held.find((x) => x.pool === a.pool && x.key === a.key);
        if (was && (String(was.value) !== String(a.value) || was.scope !== a.scope)) rows.push({ label: `Pool ${a.pool} (${a.key || 'value'})`, before: `${was.value}${was.scope ? ' in ' + was.scope : ''}`, after: `${a.value}${a.scope ? ' in ' + a.scope : ''} (renumbered)` });
        else if (!was) rows.push({ label: `Pool ${a.pool} (${a.key || 'value'})`, before: '—', after: `${a.value}${a.scope ? ' in ' + a.scope : ''} (new)` });
      }
      change = h('section', { class: 'svcchange' }, h('h2', 'What changes in the service'), diffTable(rows, `${plan.service}, version ${svc.version} → the new intent`));
    } catch { /* the device changes below still say everything */ }
  }
  view.append(change, renderPlan(plan), problem, actions);
  if (destroy && confirmBox) confirmBox.input.focus();
  else { const c = view.querySelector('#commit'); if (c) c.focus(); }
}

// deleteSummary lists what deleting the plan's service removes (configuration per target,
// endpoints) and releases (pool values), with the typed confirmation that arms the button.
async function deleteSummary(plan, commit) {
  const sid = plan.service;
  const [svcR, allocR] = await Promise.allSettled([
    get(`/services/${encodeURIComponent(sid)}`), get(`/services/${encodeURIComponent(sid)}/allocations`)]);
  const svc = svcR.status === 'fulfilled' ? svcR.value : null;
  const allocs = allocR.status === 'fulfilled' ? items(allocR.value) : [];
  const removed = (plan.targets || []).map((t) => ({ target: t.target, n: countChanges(t.change_set).delete }));
  const eps = svc ? intentEndpoints(svc.intent, svc.endpoints) : [];
  const input = h('input', { id: 'confirm-id', type: 'text', autocomplete: 'off', spellcheck: false, 'aria-describedby': 'confirm-help' });
  input.addEventListener('input', () => { commit.disabled = input.value.trim() !== sid; });
  input.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { ev.preventDefault(); if (!commit.disabled) commit.click(); } });
  const el = h('section', { class: 'danger-zone', 'aria-labelledby': 'delete-what' },
    h('h2', { id: 'delete-what' }, `Deleting ${sid} removes and releases`),
    h('ul', { class: 'summary-list' },
      svc ? h('li', `The service ${sid} (${svc.type}${svc.customer ? ', customer ' + svc.customer : ''}, version ${svc.version}, ${svc.state}).`) : null,
      removed.map((r) => h('li', `${r.n} configuration node${r.n === 1 ? '' : 's'} on ${r.target}.`)),
      eps.length ? h('li', 'Endpoints freed: ', eps.map((e, i) => [i ? '; ' : '', endpointText(e)]), '.') : null,
      allocs.length ? h('li', 'Pool values released: ', allocs.map((a, i) => [i ? '; ' : '', `${a.pool} ${a.value}${a.scope && a.scope !== 'global' ? ' (' + a.scope + ')' : ''}`]), '.')
        : h('li', 'No pool values to release.')),
    h('div', { class: 'field' }, h('label', { for: 'confirm-id' }, `Type ${sid} to confirm the delete`), input,
      h('p', { class: 'help', id: 'confirm-help' }, 'The delete button stays disabled until the id matches. This cannot be undone: the configuration leaves the devices.')));
  return { el, input };
}

/** FINAL lists the states a run ends in. */
export const FINAL = ['succeeded', 'failed', 'cancelled', 'rolled-back'];

/** elapsed says how long a run took, or has been going. */
export function elapsed(run) {
  const t0 = Date.parse(run.created);
  const t1 = run.finished ? Date.parse(run.finished) : (FINAL.includes(run.state) ? Date.parse(run.updated) : Date.now());
  if (Number.isNaN(t0) || Number.isNaN(t1)) return '';
  const sec = Math.max(0, (t1 - t0) / 1000);
  if (sec < 10) return `${sec.toFixed(1)} s`;
  if (sec < 120) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`;
  return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`;
}

function stepName(step) {
  const [kind, target] = String(step).split(':');
  return ({
    compute: 'Compute the plan', decide: 'Every device is ready: commit', record: 'Record the service and what it owns',
    recover: 'Recover after a restart', prepare: `Load and check the candidate on ${target}`, commit: `Commit on ${target}`,
    rollback: `Roll back on ${target}`, confirm: `Confirm the commit on ${target}`, allocate: 'Allocate from pools', audit: 'Audit',
  })[kind] || step;
}

/** plainError explains an engine or device error in words an operator acts on. */
export function plainError(msg) {
  const m = String(msg || '');
  if (!m) return '';
  if (/possibly applied/i.test(m)) return `A device did not answer after the commit, so the change may or may not be there. Run an audit on this service before trying again. (${m})`;
  if (/unreachable|connection refused|no route|timeout/i.test(m)) return `A device could not be reached; nothing was changed. (${m})`;
  if (/locked/i.test(m)) return `Another session holds the configuration lock on a device; nothing was changed. Try again in a moment. (${m})`;
  if (/rejected|commit check|fault/i.test(m)) return `A device refused the change, so every device was rolled back. The device said: ${m}`;
  if (/stale|version/i.test(m)) return `The service changed while this was being prepared. Reload it and preview again. (${m})`;
  if (/conflict|owned by|owns/i.test(m)) return `Another service owns part of this configuration with a different value. (${m})`;
  return m;
}

const OUTCOME = {
  pending: 'Waiting to start…', running: 'Applying the plan to the devices…',
  succeeded: 'Done: every device committed the change.', failed: 'Failed: every device was rolled back; nothing of this change remains.',
  cancelled: 'Cancelled: nothing was changed.', 'rolled-back': 'Rolled back after a restart: nothing of this change remains.',
};

/** runPage follows a run live through server-sent events. */
export async function runPage(view, id) {
  const head = h('h1', `Run ${id}`);
  const status = h('div', { class: 'outcome', role: 'status', 'aria-live': 'polite' });
  const facts = h('div');
  const steps = h('ol', { class: 'steps', 'aria-label': 'Steps' });
  const targets = h('div');
  const after = h('div', { class: 'actions' });
  view.append(head, status, facts, h('h2', 'Steps'), steps, h('h2', 'Per target'), targets, after);
  let es = null; let poll = null; let done = false;
  const stop = () => { if (es) es.close(); es = null; clearTimeout(poll); };
  const draw = (run) => {
    clear(facts, h('dl', { class: 'facts' },
      h('dt', 'Service'), h('dd', run.service ? link(`/services/${encodeURIComponent(run.service)}`, run.service) : ''),
      h('dt', 'Kind'), h('dd', run.kind || ''),
      h('dt', 'State'), h('dd', badge(run.state)),
      h('dt', 'By'), h('dd', run.user || ''),
      h('dt', 'Started'), h('dd', fmtTime(run.created)),
      run.finished ? [h('dt', 'Finished'), h('dd', fmtTime(run.finished))] : null,
      h('dt', 'Elapsed'), h('dd', { class: 'elapsed' }, elapsed(run)),
      run.plan_id ? [h('dt', 'Plan'), h('dd', h('code', run.plan_id))] : null));
    clear(status, h('p', { class: ['banner', `st-${run.state}`] }, OUTCOME[run.state] || run.state),
      run.error ? h('p', { class: 'error' }, plainError(run.error)) : null);
    const seen = new Map();
    for (const j of run.journal || []) seen.set(j.step, j);
    const over = FINAL.includes(run.state);
    clear(steps, [...seen.values()].map((j) => {
      // A step the run left begun when it ended did not finish: it is drawn as failed (or as
      // stopped, for a cancelled run), never as still in progress.
      let phase = j.phase;
      if (over && phase !== 'done' && phase !== 'failed') phase = run.state === 'cancelled' ? 'stopped' : (run.state === 'succeeded' ? 'done' : 'failed');
      const icon = phase === 'done' ? '✓' : phase === 'failed' ? '✗' : phase === 'stopped' ? '■' : '…';
      const word = phase === 'done' ? 'done' : phase === 'failed' ? 'failed' : phase === 'stopped' ? 'stopped' : 'in progress';
      let detail = '';
      if (j.data && typeof j.data === 'object' && (j.data.error || j.data.outcome)) detail = j.data.error ? plainError(j.data.error) : j.data.outcome;
      return h('li', { class: `ph-${phase}` }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ` ${stepName(j.step)} `, h('span', { class: 'sr-only' }, `(${word})`), detail ? h('span', { class: 'muted small' }, ` — ${detail}`) : null);
    }));
    if (!seen.size) steps.append(h('li', { class: 'muted' }, FINAL.includes(run.state) ? 'No steps were journaled.' : 'Waiting for the first step…'));
    clear(targets, table([['Target', (t) => t.target], ['Outcome', (t) => badge(t.state)], ['Changes', (t) => String(t.changes ?? '')], ['Error', (t) => (t.error ? plainError(t.error) : '')]], run.targets || [], { empty: 'No target results yet.' }));
    if (!FINAL.includes(run.state) && session.canWrite && !after.querySelector('.cancel')) {
      const b = h('button', { type: 'button', class: 'btn secondary cancel' }, 'Cancel this run');
      b.addEventListener('click', async () => {
        b.disabled = true;
        try { await call('POST', `/runs/${encodeURIComponent(id)}/cancel`); toast('Cancel requested.'); refresh(); } catch (e) { after.append(errorBox(e)); b.disabled = false; }
      });
      clear(after, b);
    }
    if (FINAL.includes(run.state) && !done) {
      done = true;
      stop();
      resetInventoryCache();
      clear(after);
      const d = draftOfPlan(run.plan_id);
      if (d && run.state === 'succeeded') dropDraft(d.key);
      else if (d && d.draft.path) after.append(link(d.draft.path, 'Back to the form (your input is kept)'), ' ');
      if (run.kind === 'create' && run.state !== 'succeeded' && run.service) after.append(h('p', { class: 'note' }, `The service ${run.service} stays on record as failed and keeps its id: open it to modify it and try again, or to delete it.`));
      if (run.service && !(run.kind === 'delete' && run.state === 'succeeded')) after.append(link(`/services/${encodeURIComponent(run.service)}`, 'Open the service'));
      if (run.kind === 'delete' && run.state === 'succeeded') after.append(h('p', 'The service is deleted. '), link('/services', 'Back to services'));
      toast(OUTCOME[run.state] || run.state);
    }
  };
  let loading = false; let again = false;
  const refresh = async () => {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const run = await get(`/runs/${encodeURIComponent(id)}`);
      if (view.isConnected) draw(run);
    } catch (e) {
      if (view.isConnected) clear(status, errorBox(e));
    } finally {
      loading = false;
      if (again && !done) { again = false; refresh(); }
    }
  };
  const pollLoop = () => {
    if (done || !view.isConnected) return;
    refresh().then(() => { if (!done) poll = setTimeout(pollLoop, 1000); });
  };
  await refresh();
  if (done) return;
  try {
    es = new EventSource(eventsURL({ run: id }));
    const onEv = (ev) => {
      if (!view.isConnected) { stop(); return; }
      let d = {};
      try { d = JSON.parse(ev.data); } catch { /* not JSON */ }
      if (!d.run_id || d.run_id === id) refresh();
    };
    es.onmessage = onEv;
    for (const t of ['run.pending', 'run.running', 'run.step', 'run.succeeded', 'run.failed', 'run.cancelled', 'run.rolled-back']) es.addEventListener(t, onEv);
    es.onopen = () => refresh();
    es.onerror = () => { if (es && es.readyState === EventSource.CLOSED) { es = null; pollLoop(); } };
  } catch {
    pollLoop();
  }
  // Events only say that something happened; a slow poll catches anything a proxy dropped.
  const slow = () => { if (done || !view.isConnected) { stop(); return; } refresh(); poll = setTimeout(slow, 3000); };
  poll = setTimeout(slow, 3000);
}
