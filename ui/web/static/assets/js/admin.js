// Administration: the audit log of who changed what (GET /audit-log, admin only).

import { h, clear, link, errorBox, table, fmtTime } from './dom.js';
import { get, items, qs } from './api.js';
import { session, navigate } from './state.js';

function detailText(d) {
  if (d === undefined || d === null || d === '') return '';
  if (typeof d !== 'object') return String(d);
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · ');
}

function objectLink(o) {
  const m = /^service\/(.+)$/.exec(o || '');
  if (m) return link(`/services/${encodeURIComponent(m[1])}`, o);
  const r = /^runs\/(.+)$/.exec(o || '');
  if (r) return link(`/runs/${encodeURIComponent(r[1])}`, o);
  return o || '';
}

/** auditLog lists who changed what, newest first, filtered by user and object. */
export async function auditLog(view, params) {
  view.append(h('h1', 'Audit log'));
  if (!session.me || session.me.role !== 'admin') {
    view.append(h('p', { class: 'error' }, `Your role (${session.me ? session.me.role : '?'}) cannot read the audit log.`));
    return;
  }
  const f = { user: params.get('user') || '', object: params.get('object') || '' };
  const txt = (id, label, val, ph) => h('div', { class: 'field' }, h('label', { for: id }, label),
    h('input', { id, name: id, type: 'text', value: val, placeholder: ph, autocomplete: 'off', spellcheck: false }));
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'Filter the audit log' },
    txt('al-user', 'User (token name)', f.user, 'e.g. ci'), txt('al-object', 'Object', f.object, 'e.g. service/eline-1'),
    h('button', { type: 'submit', class: 'btn primary' }, 'Apply'), link('/audit-log', 'Clear'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate('/audit-log' + qs({ user: form.elements['al-user'].value.trim(), object: form.elements['al-object'].value.trim() }));
  });
  const out = h('div', { class: 'results' });
  view.append(form, out);
  let rows = []; let next = '';
  const draw = () => {
    const more = next ? h('button', { type: 'button', class: 'btn secondary' }, 'Load older entries') : null;
    if (more) more.addEventListener('click', async () => { more.disabled = true; try { await load(next); } catch (e) { out.append(errorBox(e)); } });
    clear(out, table([
      ['When', (e) => fmtTime(e.at)], ['User', (e) => link('/audit-log' + qs({ user: e.user }), e.user)], ['Role', (e) => e.role || ''],
      ['Action', (e) => h('code', e.action)], ['Object', (e) => objectLink(e.object)], ['Detail', (e) => h('span', { class: 'small' }, detailText(e.detail))],
    ], rows, { class: 'data auditlog', caption: `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}, newest first${next ? ' (older ones not loaded yet)' : ''}`, empty: 'No entry matches.' }),
    more ? h('div', { class: 'actions' }, more) : null);
  };
  const load = async (cursor) => {
    const data = await get('/audit-log', { user: f.user, object: f.object, cursor, limit: 100 });
    rows = cursor ? rows.concat(items(data)) : items(data);
    next = (data && data.next_cursor) || '';
    draw();
  };
  await load('');
}
