// Clone: a new service from an existing one's intent (POST /services/{id}/clone). The form
// starts from the source's intent; what is sent is that intent as edited, a JSON merge patch
// over the source's (keys left out keep the source's values), so pools allocate anew.

import { h, clear, link, errorBox, pretty } from './dom.js';
import { call, get } from './api.js';
import { session, navigate } from './state.js';

/** clonePage asks for the new service's id and its intent, then starts the create. */
export async function clonePage(view, id) {
  view.append(h('h1', `Clone ${id}`));
  const src = await get(`/services/${encodeURIComponent(id)}`);
  if (!session.canWrite) { view.append(h('p', { class: 'error' }, 'Your role cannot create services.')); return; }
  const newId = h('input', { id: 'clone-id', name: 'clone-id', type: 'text', value: `${id}-copy`, autocomplete: 'off', spellcheck: false, required: true });
  const intent = h('textarea', { id: 'clone-intent', name: 'clone-intent', rows: 16, spellcheck: false, 'aria-describedby': 'clone-help' });
  intent.value = pretty(src.intent || {});
  const msg = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'cloneform', 'aria-label': `Clone ${id}` },
    h('div', { class: 'field' }, h('label', { for: 'clone-id' }, 'New service id'), newId),
    h('div', { class: 'field' }, h('label', { for: 'clone-intent' }, 'Intent of the new service'), intent,
      h('p', { class: 'help', id: 'clone-help' }, `Starts as ${id}'s intent. Its ports and VLANs are taken: change the endpoints. Pool values (e.g. VC ids) are allocated anew.`)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, 'Create the clone'), link(`/services/${encodeURIComponent(id)}`, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    let patch;
    try { patch = JSON.parse(intent.value); } catch (e) { msg.append(errorBox({ title: 'The intent is not valid JSON', detail: String(e.message || e) })); return; }
    try {
      const run = (await call('POST', `/services/${encodeURIComponent(id)}/clone`, { body: { id: newId.value.trim(), patch } })).data;
      navigate(`/runs/${encodeURIComponent(run.id)}`);
    } catch (e) { msg.append(errorBox(e)); }
  });
  view.append(form, msg);
}
