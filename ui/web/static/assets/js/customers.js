// Customers: the list (GET /customers) with a create form, and a customer's page: its record
// (name, SAM id; edited under its ETag, deleted) above its services (services by customer id).

import { h, clear, link, errorBox, table, fmtTime, toast } from './dom.js';
import { call, get, items } from './api.js';
import { session, navigate } from './state.js';
import * as services from './services.js';

const field = (id, label, val, ph, help) => h('div', { class: 'field' }, h('label', { for: id }, label),
  h('input', { id, name: id, type: 'text', value: val || '', placeholder: ph || '', autocomplete: 'off', spellcheck: false }),
  help ? h('p', { class: 'help' }, help) : null);

/** list shows every customer and, for writers, a form creating one. */
export async function list(view) {
  view.append(h('h1', 'Customers'));
  const out = h('div', { class: 'results' });
  if (session.canWrite) {
    const form = h('form', { class: 'inline', 'aria-label': 'New customer' },
      field('cu-id', 'Customer id', '', 'e.g. CUST-42'), field('cu-name', 'Name', '', 'e.g. ACME Corp'),
      field('cu-sam', 'SAM customer id', '', 'e.g. 42', 'Optional: the customer id on SAM.'),
      h('button', { type: 'submit', class: 'btn primary' }, 'Create customer'));
    const msg = h('div');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { id: form.elements['cu-id'].value.trim(), name: form.elements['cu-name'].value.trim() };
      const sam = form.elements['cu-sam'].value.trim();
      if (sam) body.sam_id = sam;
      try {
        await call('POST', '/customers', { body });
        toast(`Customer ${body.id} created`);
        navigate(`/customers/${encodeURIComponent(body.id)}`);
      } catch (e) { clear(msg, errorBox(e)); }
    });
    view.append(form, msg);
  }
  view.append(out);
  let rows = []; let next = '';
  const draw = () => {
    const more = next ? h('button', { type: 'button', class: 'btn secondary' }, 'Load more') : null;
    if (more) more.addEventListener('click', async () => { more.disabled = true; try { await load(next); } catch (e) { out.append(errorBox(e)); } });
    clear(out, table([
      ['Customer', (c) => link(`/customers/${encodeURIComponent(c.id)}`, c.id)], ['Name', (c) => c.name],
      ['SAM id', (c) => c.sam_id || ''], ['Updated', (c) => fmtTime(c.updated)],
    ], rows, { class: 'data customers', caption: `${rows.length} customer${rows.length === 1 ? '' : 's'}`, empty: 'No customer on record yet.' }),
    more ? h('div', { class: 'actions' }, more) : null);
  };
  const load = async (cursor) => {
    const data = await get('/customers', { cursor, limit: 200 });
    rows = cursor ? rows.concat(items(data)) : items(data);
    next = (data && data.next_cursor) || '';
    draw();
  };
  await load('');
}

/** detail shows a customer's record (editable by writers) and its services. */
export async function detail(view, id) {
  await services.customer(view, id);
  const rec = h('section', { class: 'customer-record', 'aria-label': 'Customer record' });
  const heading = view.querySelector('h1');
  if (heading) heading.after(rec); else view.prepend(rec);
  let res;
  try {
    res = await call('GET', `/customers/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status !== 404) { rec.append(errorBox(e)); return; }
    rec.append(h('p', { class: 'muted' }, `${id} is not on record as a customer; services naming it are listed below.`),
      session.canWrite ? link(`/customers`, 'Create it on the Customers page') : null);
    return;
  }
  const c = res.data;
  rec.append(h('dl', { class: 'kv' },
    h('dt', 'Name'), h('dd', c.name), h('dt', 'SAM customer id'), h('dd', c.sam_id || 'not mapped'),
    h('dt', 'Created'), h('dd', fmtTime(c.created)), h('dt', 'Updated'), h('dd', fmtTime(c.updated))));
  if (!session.canWrite) return;
  const msg = h('div');
  const form = h('form', { class: 'inline', 'aria-label': 'Edit customer' },
    field('cu-name', 'Name', c.name), field('cu-sam', 'SAM customer id', c.sam_id, 'not mapped'),
    h('button', { type: 'submit', class: 'btn primary' }, 'Save'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { name: form.elements['cu-name'].value.trim() };
    const sam = form.elements['cu-sam'].value.trim();
    if (sam) body.sam_id = sam;
    try {
      await call('PUT', `/customers/${encodeURIComponent(id)}`, { body, headers: { 'If-Match': res.etag } });
      toast(`Customer ${id} saved`);
      navigate(location.pathname, true);
    } catch (e) { clear(msg, errorBox(e)); }
  });
  const del = h('button', { type: 'button', class: 'btn danger' }, 'Delete customer');
  del.addEventListener('click', async () => {
    if (!window.confirm(`Delete customer ${id}? Its services keep naming it.`)) return;
    try {
      await call('DELETE', `/customers/${encodeURIComponent(id)}`, { headers: { 'If-Match': res.etag } });
      toast(`Customer ${id} deleted`);
      navigate('/customers');
    } catch (e) { clear(msg, errorBox(e)); }
  });
  rec.append(form, h('div', { class: 'actions' }, del), msg);
}
