// The form generator: renders a pack's form.json (JSON Forms UI-schema vocabulary, see
// schemas/form.schema.json) against its schema.json for any pack. Layouts: VerticalLayout,
// HorizontalLayout, Group, Categorization/Category, Label; inputs: Control and ListControl
// (or a Control with options.detail) with device/port pickers fed from inventory, rules
// (SHOW/HIDE/ENABLE/DISABLE), HTML constraints from the schema, and field messages from the
// server's own validation (POST /types/{name}/validate) placed at the JSON pointer they name.

import { h, nextId, clear, link } from './dom.js';
import { call, get, items } from './api.js';
import { Schemas, scopeKeys, pointerOf, getAt, setAt, humanize, deepEqual, plainMessage } from './schema.js';

const inventory = { devices: null, detail: new Map() };

/** resetInventoryCache forgets cached devices (after discovery or a commit). */
export function resetInventoryCache() { inventory.devices = null; inventory.detail.clear(); }

async function devices() {
  if (!inventory.devices) inventory.devices = get('/devices').then(items).catch(() => []);
  return inventory.devices;
}

async function device(name) {
  if (!inventory.detail.has(name)) {
    // A failed read is not remembered: the next render asks again (a 429 or a restart must
    // not leave a device without ports for the rest of the tab's life).
    const pr = get(`/devices/${encodeURIComponent(name)}`).catch((e) => { inventory.detail.delete(name); return { failed: e }; });
    inventory.detail.set(name, pr);
  }
  return inventory.detail.get(name);
}

function list(v) { return v === undefined ? [] : [].concat(v); }

/** servicesOf normalises a port's users: ["id"] or [{id,type}] → [{id,type}]. */
export function servicesOf(port) {
  return list(port && (port.services || port.used_by)).map((s) => (typeof s === 'string' ? { id: s } : { id: s.id || s.service || '', type: s.type || '' }));
}

function capable(thing, requires) {
  const need = list(requires);
  if (!need.length || !thing || !Array.isArray(thing.capabilities)) return true;
  return need.every((r) => thing.capabilities.includes(r));
}

/** autoForm builds a UI schema for a pack that ships no form.json. */
export function autoForm(sc, schema) {
  const root = sc.resolve(schema);
  const elements = Object.keys(root.properties || {}).map((k) => {
    const p = sc.prop(root, k);
    const kind = sc.kind(p);
    if (kind === 'array') return { type: 'ListControl', scope: `#/properties/${k}` };
    if (kind === 'object') return { type: 'Group', label: p.title || humanize(k), elements: autoForm(sc, p).elements.map((e) => ({ ...e, scope: `#/properties/${k}/${e.scope.slice(2)}` })) };
    return { type: 'Control', scope: `#/properties/${k}` };
  });
  return { type: 'VerticalLayout', elements };
}

/**
 * Form is one generated form bound to an intent document.
 * opts: {type, schema, form, data, common, serviceId, root?: {element, path, schema}}
 */
export class Form {
  constructor(opts) {
    this.type = opts.type;
    this.sc = new Schemas(opts.schema, opts.common);
    this.schema = this.sc.resolve(opts.schema || {});
    this.ui = opts.form && opts.form.type ? opts.form : autoForm(this.sc, opts.schema || {});
    this.data = opts.data ? structuredClone(opts.data) : (this.sc.defaults(this.schema) || {});
    this.serviceId = opts.serviceId || '';
    this.rootSpec = opts.root || null;
    this.fields = new Map(); // pointer → field
    this.rules = [];
    this.deps = []; // port pickers waiting on a device field
    this.serverErrors = []; // from the background schema check, replaced by each check
    this.submitErrors = []; // from the preview request (422), kept until their field changes
    this.submitted = false;
    this.timer = null;
    this.seq = 0;
    this.onChange = opts.onChange || (() => {});
  }

  /** render returns the form's element tree (without the <form> or buttons). */
  render() {
    this.el = h('div', { class: 'genform' });
    this.summary = h('div', { class: 'summary', tabindex: '-1' });
    this.el.append(this.summary);
    if (this.rootSpec) this.el.append(this.element(this.rootSpec.element, { path: this.rootSpec.path, schema: this.rootSpec.schema }));
    else this.el.append(this.element(this.ui, { path: [], schema: this.schema }));
    this.rendered = true;
    this.applyRules();
    return this.el;
  }

  value() { return prune(structuredClone(this.data)); }

  // element renders one UI-schema element in ctx {path: data path of the object, schema: its schema}.
  element(el, ctx) {
    if (!el || typeof el !== 'object') return null;
    let node;
    switch (el.type) {
      case 'VerticalLayout': node = h('div', { class: 'vlayout' }, (el.elements || []).map((c) => this.element(c, ctx))); break;
      case 'HorizontalLayout': node = h('div', { class: 'hlayout' }, (el.elements || []).map((c) => h('div', { class: 'hcell' }, this.element(c, ctx)))); break;
      case 'Group': node = h('fieldset', { class: 'group' }, h('legend', el.label || ''), (el.elements || []).map((c) => this.element(c, ctx))); break;
      case 'Categorization': node = this.tabs(el, ctx); break;
      case 'Category': node = h('div', { class: 'vlayout' }, (el.elements || []).map((c) => this.element(c, ctx))); break;
      case 'Label': node = h('p', { class: 'formlabel' }, el.text || ''); break;
      case 'ListControl': node = this.listControl(el, ctx); break;
      case 'Control': {
        const keys = scopeKeys(el.scope);
        const sch = this.schemaAt(ctx.schema, keys);
        const kind = this.sc.kind(sch);
        if ((el.options && el.options.detail) || kind === 'array') node = this.listControl(el, ctx);
        else if (kind === 'object' && !(el.options && el.options.widget)) node = this.objectControl(el, ctx, keys, sch);
        else node = this.control(el, ctx);
        break;
      }
      default: node = h('p', { class: 'muted' }, `(unsupported form element ${el.type})`);
    }
    if (el.rule && node) this.rules.push({ node, rule: el.rule, ctx });
    return node;
  }

  schemaAt(obj, keys) {
    let s = obj;
    for (const k of keys) s = this.sc.prop(s, k);
    return s;
  }

  parentOf(obj, keys) { return keys.length > 1 ? this.schemaAt(obj, keys.slice(0, -1)) : obj; }

  tabs(el, ctx) {
    const cats = (el.elements || []).filter((c) => c && c.type === 'Category');
    const wrap = h('div', { class: 'tabs' });
    const bar = h('div', { role: 'tablist', 'aria-label': el.label || 'Sections' });
    const panels = [];
    const btns = cats.map((c, i) => {
      const id = nextId('tab'); const pid = nextId('panel');
      const b = h('button', { type: 'button', role: 'tab', id, 'aria-controls': pid, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1', class: 'tab' }, c.label || `Part ${i + 1}`);
      const p = h('div', { role: 'tabpanel', id: pid, 'aria-labelledby': id, class: 'tabpanel', hidden: i !== 0 }, this.element({ ...c, rule: undefined }, ctx));
      if (c.rule) this.rules.push({ node: b, rule: c.rule, ctx });
      panels.push(p);
      return b;
    });
    const select = (i, focus) => {
      btns.forEach((b, j) => { b.setAttribute('aria-selected', String(i === j)); b.tabIndex = i === j ? 0 : -1; panels[j].hidden = i !== j; });
      if (focus) btns[i].focus();
    };
    btns.forEach((b, i) => {
      b.addEventListener('click', () => select(i, false));
      b.addEventListener('keydown', (e) => {
        const n = btns.length;
        if (e.key === 'ArrowRight') { e.preventDefault(); select((i + 1) % n, true); }
        if (e.key === 'ArrowLeft') { e.preventDefault(); select((i - 1 + n) % n, true); }
        if (e.key === 'Home') { e.preventDefault(); select(0, true); }
        if (e.key === 'End') { e.preventDefault(); select(n - 1, true); }
      });
    });
    bar.append(...btns);
    wrap.append(bar, ...panels);
    return wrap;
  }

  objectControl(el, ctx, keys, sch) {
    const auto = autoForm(this.sc, sch);
    const label = el.label === false ? '' : (el.label || sch.title || humanize(keys[keys.length - 1]));
    return h('fieldset', { class: 'group' }, h('legend', label),
      this.element(auto, { path: [...ctx.path, ...keys], schema: sch }));
  }

  // labelOf picks the visible label: the form's, else the schema title, else the key.
  labelOf(el, sch, key) {
    if (typeof el.label === 'string') return el.label;
    return sch.title || humanize(key);
  }

  field(pointer, f) { this.fields.set(pointer, f); }

  control(el, ctx) {
    const keys = scopeKeys(el.scope);
    const path = [...ctx.path, ...keys];
    const ptr = pointerOf(path);
    const sch = this.schemaAt(ctx.schema, keys);
    const key = keys[keys.length - 1];
    const required = this.sc.required(this.parentOf(ctx.schema, keys), key);
    const o = el.options || {};
    const kind = this.sc.kind(sch);
    const widget = o.widget || (kind === 'enum' ? 'select' : kind === 'boolean' ? 'checkbox' : '');
    const id = nextId('in');
    const helpId = `${id}-help`; const msgId = `${id}-msg`;
    const help = o.help || sch.description || '';
    const labelText = this.labelOf(el, sch, key);
    const hideLabel = el.label === false;
    const cur = getAt(this.data, path);
    const wrap = h('div', { class: ['field', `k-${kind}`], dataset: { pointer: ptr } });
    const msg = h('p', { class: 'msg', id: msgId, hidden: true });
    const describedby = [help ? helpId : '', msgId].filter(Boolean).join(' ');
    const reqMark = required ? h('span', { class: 'req', 'aria-hidden': 'true', title: 'required' }, ' *') : null;
    const label = h('label', { for: id, class: hideLabel ? 'sr-only' : '' }, labelText, reqMark);
    let input;
    const f = { ptr, path, sch, kind, wrap, msg, touched: false, required };

    if (widget === 'checkbox') {
      input = h('input', { type: 'checkbox', id, checked: cur === undefined ? !!sch.default : !!cur, 'aria-describedby': describedby });
      f.read = () => input.checked;
      wrap.classList.add('check');
      wrap.append(h('div', { class: 'checkrow' }, input, label));
    } else if (widget === 'radio') {
      const opts = this.sc.options(sch);
      input = h('fieldset', { class: 'radios', id, 'aria-describedby': describedby },
        h('legend', labelText, reqMark),
        opts.map((op) => { const rid = nextId('rb'); return h('span', { class: 'radio' }, h('input', { type: 'radio', id: rid, name: id, value: JSON.stringify(op.value), checked: deepEqual(cur, op.value), required }), h('label', { for: rid }, op.label)); }));
      f.read = () => { const c = input.querySelector('input:checked'); return c ? JSON.parse(c.value) : undefined; };
      f.focusEl = () => input.querySelector('input');
      f.inputs = () => [...input.querySelectorAll('input')];
      wrap.append(input);
    } else if (widget === 'device-picker' || widget === 'port-picker') {
      const noteId = `${id}-ports`;
      input = h('select', { id, required, 'aria-describedby': widget === 'port-picker' ? `${describedby} ${noteId}` : describedby });
      f.read = () => (input.value === '' ? undefined : input.value);
      wrap.append(label, input);
      if (widget === 'port-picker') { f.pickNote = h('p', { class: 'help picknote', id: noteId, hidden: true }); wrap.append(f.pickNote); }
      if (widget === 'device-picker') this.fillDevices(input, o, cur);
      else {
        const devKeys = o.device ? scopeKeys(o.device) : ['device'];
        const devPath = [...ctx.path, ...devKeys];
        const refresh = () => this.fillPorts(input, o, getAt(this.data, devPath), getAt(this.data, path), f);
        this.deps.push({ devPtr: pointerOf(devPath), refresh, input });
        refresh();
      }
    } else if (widget === 'select' || kind === 'enum') {
      const opts = this.sc.options(sch);
      input = h('select', { id, required, 'aria-describedby': describedby },
        h('option', { value: '' }, required ? 'Choose…' : '(none)'),
        opts.map((op, i) => h('option', { value: String(i), selected: deepEqual(cur, op.value) }, op.label)));
      f.read = () => (input.value === '' ? undefined : opts[Number(input.value)].value);
      wrap.append(label, input);
    } else if (widget === 'textarea') {
      input = h('textarea', { id, rows: 4, required, placeholder: o.placeholder || '', 'aria-describedby': describedby }, cur == null ? '' : String(cur));
      if (sch.maxLength) input.maxLength = sch.maxLength;
      if (sch.minLength) input.minLength = sch.minLength;
      f.read = () => (input.value === '' ? undefined : input.value);
      wrap.append(label, input);
    } else if (kind === 'integer' || kind === 'number') {
      const n = this.sc.numeric(sch) || {};
      input = h('input', { type: 'number', id, required, inputMode: kind === 'integer' ? 'numeric' : 'decimal', placeholder: o.placeholder || '', 'aria-describedby': describedby, value: cur == null ? '' : String(cur) });
      if (n.min !== undefined) input.min = String(n.min);
      if (n.max !== undefined) input.max = String(n.max);
      input.step = kind === 'integer' ? '1' : 'any';
      f.read = () => (input.value === '' ? undefined : Number(input.value));
      wrap.append(label, input);
    } else {
      // strings, and unions such as "VLAN id or auto": a text box whose value is coerced.
      input = h('input', { type: 'text', id, required, autocomplete: 'off', spellcheck: false, placeholder: o.placeholder || placeholderOf(this.sc, sch, kind), 'aria-describedby': describedby, value: cur == null ? '' : String(cur) });
      if (kind === 'string') {
        if (sch.maxLength) input.maxLength = sch.maxLength;
        if (sch.minLength) input.minLength = sch.minLength;
        if (sch.pattern && htmlPatternOK(sch.pattern)) input.pattern = htmlPattern(sch.pattern);
      }
      f.read = () => {
        const v = input.value.trim();
        if (v === '') return undefined;
        if (kind === 'mixed' && this.sc.numeric(sch) && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
        return v;
      };
      wrap.append(label, input);
    }
    if (o.readonly) { input.readOnly = true; if (input.tagName === 'SELECT') input.disabled = true; }
    if (required && widget !== 'checkbox') input.setAttribute('aria-required', 'true');
    if (help) wrap.append(h('p', { class: 'help', id: helpId }, help));
    wrap.append(msg);
    f.input = input;
    f.focusEl = f.focusEl || (() => input);
    f.inputs = f.inputs || (() => [input]);
    const changed = (commit) => {
      const before = getAt(this.data, path);
      const v = f.read();
      if (!deepEqual(before, v)) setAt(this.data, path, v);
      if (commit) f.touched = true;
      this.changed(ptr, commit);
    };
    input.addEventListener('input', () => changed(false));
    input.addEventListener('change', () => changed(true));
    input.addEventListener('focusout', () => { f.touched = true; this.showField(f); this.scheduleValidate(); });
    // A value the schema gives as default is part of the intent from the start.
    if (cur === undefined && sch.default !== undefined && widget !== 'device-picker' && widget !== 'port-picker') setAt(this.data, path, structuredClone(sch.default));
    this.field(ptr, f);
    return wrap;
  }

  async fillDevices(select, o, cur) {
    const vendors = list(o.vendor);
    const all = await devices();
    const opts = all.filter((d) => (!vendors.length || vendors.includes(d.vendor)) && capable(d, o.requires));
    clear(select, h('option', { value: '' }, 'Choose a device…'),
      opts.map((d) => h('option', { value: d.name, selected: d.name === cur }, `${d.name} — ${d.vendor}${d.platform ? ' ' + d.platform : ''}${d.nms ? ' via ' + d.nms : ''}`)));
    if (cur && !opts.some((d) => d.name === cur)) select.append(h('option', { value: cur, selected: true }, `${cur} (not in inventory)`));
    select.dataset.ready = 'true';
  }

  // fillPorts lists the chosen device's ports with their speed, state, description and the
  // services they carry. A port that carries services stays selectable (VLAN services share
  // physical ports) unless the form asks for a port of its own (options.free: true); only an
  // admin-down port cannot be chosen. A note under the picker counts what it offers.
  async fillPorts(select, o, devName, cur, f) {
    select.dataset.ready = 'false';
    const note = (f && f.pickNote) || null;
    const say = (...kids) => { if (note) { clear(note, ...kids); note.hidden = kids.length === 0; } };
    if (!devName) {
      clear(select, h('option', { value: '' }, 'Choose a device first'));
      select.disabled = true;
      say();
      select.dataset.ready = 'true';
      return;
    }
    select.disabled = !!o.readonly;
    clear(select, h('option', { value: '' }, 'Loading ports…'));
    const d = await device(devName);
    if (!d || d.failed) {
      const why = d && d.failed ? (d.failed.status === 404 ? `${devName} is not in the inventory` : (d.failed.detail || d.failed.message || 'the server did not answer')) : 'the server did not answer';
      clear(select, h('option', { value: '' }, 'The ports could not be read'));
      if (cur) select.append(h('option', { value: cur, selected: true }, cur));
      const retry = h('button', { type: 'button', class: 'btn link' }, 'Try again');
      retry.addEventListener('click', () => this.fillPorts(select, o, devName, getAt(this.data, f.path), f));
      say(`The ports of ${devName} could not be read (${why}). `, retry);
      select.dataset.ready = 'true';
      return;
    }
    const exclusive = o.free === true || o.exclusive === true;
    const ports = (d.ports || []).filter((p) => capable(p, o.requires));
    const groups = { free: [], used: [], down: [] };
    let operDown = 0;
    for (const p of ports) {
      const users = servicesOf(p).filter((u) => u.id && u.id !== this.serviceId);
      const adminDown = p.admin_up === false;
      const notes = [];
      if (p.speed_mbps) notes.push(p.speed_mbps >= 1000 ? `${p.speed_mbps / 1000}G` : `${p.speed_mbps}M`);
      if (adminDown) notes.push('admin down');
      else if (p.oper_up === false) { notes.push('link down'); operDown += 1; } else if (p.oper_up === true) notes.push('up');
      if (p.description) notes.push(`“${p.description}”`);
      if (users.length) notes.push(`carries ${users.slice(0, 3).map((u) => u.id).join(', ')}${users.length > 3 ? ` and ${users.length - 3} more` : ''}`);
      else notes.push('free');
      const ok = !adminDown && !(exclusive && users.length);
      const opt = h('option', { value: p.name, disabled: !ok && p.name !== cur, selected: p.name === cur }, `${p.name} — ${notes.join(', ')}`);
      groups[adminDown || (exclusive && users.length) ? 'down' : users.length ? 'used' : 'free'].push(opt);
    }
    const usable = groups.free.length + groups.used.length;
    clear(select, h('option', { value: '' }, ports.length ? (usable ? 'Choose a port…' : 'No port can take this service') : 'No ports discovered'),
      groups.free.length ? h('optgroup', { label: 'Free ports' }, groups.free) : null,
      groups.used.length ? h('optgroup', { label: 'Ports already carrying services' }, groups.used) : null,
      groups.down.length ? h('optgroup', { label: exclusive ? 'Not available (admin down or in use)' : 'Not available (admin down)' }, groups.down) : null);
    if (cur && !ports.some((p) => p.name === cur)) select.append(h('option', { value: cur, selected: true }, `${cur} (not in inventory)`));
    if (!ports.length) {
      say(`No ports of ${devName} are known${(d.ports || []).length ? ' that can take this service' : ''}. `, link(`/inventory/${encodeURIComponent(devName)}`, `Open ${devName}`), ' to run a discovery.');
    } else {
      const parts = [`${groups.free.length} free`];
      if (!exclusive) parts.push(`${groups.used.length} already carrying services (VLAN services share a port)`);
      parts.push(`${groups.down.length} ${exclusive ? 'admin down or in use' : 'admin down'}`);
      say(`${ports.length} port${ports.length === 1 ? '' : 's'} on ${devName}: ${parts.join(', ')}.${operDown ? ` ${operDown} ${operDown === 1 ? 'has' : 'have'} the link down.` : ''}`);
    }
    if (f) f.portsNote = usable;
    select.dataset.ready = 'true';
  }

  listControl(el, ctx) {
    const keys = scopeKeys(el.scope);
    const path = [...ctx.path, ...keys];
    const ptr = pointerOf(path);
    const sch = this.schemaAt(ctx.schema, keys);
    const itemSch = this.sc.items(sch);
    const o = el.options || {};
    const key = keys[keys.length - 1];
    const label = typeof el.label === 'string' ? el.label : (sch.title || humanize(key));
    const itemKind = this.sc.kind(itemSch);
    let detail = o.detail;
    if (!detail) detail = itemKind === 'object' ? autoForm(this.sc, itemSch) : null;
    const msg = h('p', { class: 'msg', id: nextId('msg'), hidden: true });
    const body = h('div', { class: 'items' });
    const addBtn = h('button', { type: 'button', class: 'btn secondary' }, `+ ${o.addLabel || 'Add ' + (itemSch.title || 'item').toLowerCase()}`);
    const fs = h('fieldset', { class: 'list', dataset: { pointer: ptr } }, h('legend', label), (o.help || sch.description) ? h('p', { class: 'help' }, o.help || sch.description) : null, body, msg, h('div', { class: 'listbar' }, addBtn));
    const f = { ptr, path, sch, kind: 'array', wrap: fs, msg, touched: false, isList: true, focusEl: () => addBtn, inputs: () => [] };
    this.field(ptr, f);
    if (!Array.isArray(getAt(this.data, path))) setAt(this.data, path, this.sc.defaults(sch) || []);
    const renderItems = (focusIndex) => {
      for (const k of [...this.fields.keys()]) if (k.startsWith(ptr + '/')) this.fields.delete(k);
      // The items are rebuilt: the rules of the old ones go with them.
      this.rules = this.rules.filter((r) => !body.contains(r.node));
      this.deps = this.deps.filter((d) => !d.devPtr.startsWith(ptr + '/'));
      const arr = getAt(this.data, path) || [];
      const max = sch.maxItems ?? Infinity; const min = sch.minItems ?? 0;
      clear(body, arr.map((item, i) => {
        const title = o.elementLabelProp && item && item[o.elementLabelProp] ? `: ${item[o.elementLabelProp]}` : '';
        const name = `${itemSch.title || (typeof el.label === 'string' && el.label ? el.label : humanize(key)).replace(/s$/, '')} ${i + 1}${title}`;
        const rm = h('button', { type: 'button', class: 'btn link danger', disabled: arr.length <= min, 'aria-label': `Remove ${name}` }, 'Remove');
        rm.addEventListener('click', () => {
          arr.splice(i, 1);
          renderItems(Math.min(i, arr.length - 1));
          this.changed(ptr, true);
        });
        const itemPath = [...path, i];
        let inner;
        if (detail) inner = this.element(detail, { path: itemPath, schema: itemSch });
        else inner = this.control({ type: 'Control', scope: '#', label: name }, { path: itemPath, schema: itemSch });
        return h('fieldset', { class: 'item', dataset: { index: String(i) } }, h('legend', name), h('div', { class: 'itemhead' }, rm), inner);
      }));
      addBtn.disabled = arr.length >= max;
      this.applyRules();
      if (focusIndex !== undefined && focusIndex >= 0) {
        const item = body.querySelectorAll('.item')[focusIndex];
        const first = item && item.querySelector('input,select,textarea');
        if (first) first.focus(); else addBtn.focus();
      }
    };
    addBtn.addEventListener('click', () => {
      const arr = getAt(this.data, path) || [];
      arr.push(this.sc.defaults(itemSch) ?? (itemKind === 'object' ? {} : undefined));
      setAt(this.data, path, arr);
      renderItems(arr.length - 1);
      this.changed(ptr, true);
    });
    renderItems();
    return fs;
  }

  changed(ptr, commit) {
    // A message the preview request gave stays at its field until that field (or what it is
    // part of, or holds) changes: the background schema check does not know it.
    const before = this.submitErrors.length;
    this.submitErrors = this.submitErrors.filter((e) => !related(e.field, ptr) && !related(e.pointer, ptr));
    if (this.submitErrors.length !== before) for (const f of this.fields.values()) this.showField(f);
    for (const d of this.deps) {
      if (d.devPtr === ptr && d.input.isConnected) d.refresh();
    }
    this.applyRules();
    this.onChange(this.value());
    if (commit) this.scheduleValidate();
    else { const f = this.fields.get(ptr); if (f) this.showField(f); }
  }

  applyRules() {
    // Once the form is assembled, a rule whose node is not in it is skipped, not dropped: it
    // belongs to a list item being built (a nested list applies rules while its parent list
    // re-renders), which is attached and ruled right after. Removed items drop their rules
    // in renderItems.
    for (const r of this.rules) {
      if (this.rendered && !this.el.contains(r.node)) continue;
      const c = r.rule.condition || {};
      const keys = scopeKeys(c.scope);
      const v = getAt(this.data, [...r.ctx.path, ...keys]);
      const ok = this.sc.matches(v, c.schema);
      const eff = r.rule.effect;
      if (eff === 'SHOW' || eff === 'HIDE') {
        const hide = eff === 'SHOW' ? !ok : ok;
        r.node.hidden = hide;
      } else if (eff === 'ENABLE' || eff === 'DISABLE') {
        const dis = eff === 'ENABLE' ? !ok : ok;
        for (const inp of r.node.matches('input,select,textarea,button') ? [r.node] : r.node.querySelectorAll('input,select,textarea,button')) inp.disabled = dis;
        r.node.classList.toggle('disabled', dis);
      }
    }
  }

  visible(f) {
    const el = f.wrap;
    if (!el.isConnected) return false;
    for (let n = el; n && n !== this.el; n = n.parentElement) {
      if (n.hidden && n.getAttribute('role') !== 'tabpanel') return false;
    }
    return !f.inputs().every((i) => i.disabled) || f.isList;
  }

  // clientMessage reports the browser's constraint check in plain words.
  clientMessage(f) {
    if (f.isList) {
      const n = (getAt(this.data, f.path) || []).length;
      if (f.sch.minItems && n < f.sch.minItems) return `Add at least ${f.sch.minItems}.`;
      return '';
    }
    const inp = f.input;
    if (f.kind === 'boolean' || !inp || !inp.validity) return '';
    if (inp.tagName === 'FIELDSET') return f.required && f.read() === undefined ? 'Choose one.' : '';
    const v = inp.validity;
    if (v.valueMissing) return 'Required.';
    if (v.badInput) return 'Enter a number.';
    if (v.rangeUnderflow) return `Must be at least ${inp.min}.`;
    if (v.rangeOverflow) return `Must be at most ${inp.max}.`;
    if (v.stepMismatch) return 'Must be a whole number.';
    if (v.tooShort) return `At least ${inp.minLength} characters.`;
    if (v.tooLong) return `At most ${inp.maxLength} characters.`;
    if (v.patternMismatch) return plainMessage('does not match pattern', f.sch);
    return inp.validationMessage || '';
  }

  serverMessages(f) {
    return [...this.serverErrors, ...this.submitErrors].filter((e) => e.field === f.ptr).map((e) => e.message);
  }

  /** setSubmitErrors places the field errors of a refused preview and shows them. */
  setSubmitErrors(errors) {
    this.submitErrors = (errors || []).flatMap((x) => this.place(x));
    this.submitted = true;
    for (const f of this.fields.values()) this.showField(f);
    return this.renderSummary();
  }

  showField(f) {
    if (!f.touched && !this.submitted) return;
    const msgs = [];
    const cm = this.visible(f) ? this.clientMessage(f) : '';
    if (cm) msgs.push(cm);
    for (const m of this.serverMessages(f)) if (!msgs.includes(m)) msgs.push(m);
    f.msg.textContent = msgs.join(' ');
    f.msg.hidden = msgs.length === 0;
    f.wrap.classList.toggle('invalid', msgs.length > 0);
    for (const i of f.inputs()) {
      if (msgs.length) i.setAttribute('aria-invalid', 'true'); else i.removeAttribute('aria-invalid');
    }
  }

  scheduleValidate() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.validate(), 250);
  }

  // validate asks the server, which is the authority; it maps each error to a field.
  async validate() {
    if (!this.type) return true;
    const seq = ++this.seq;
    let res;
    try {
      res = (await call('POST', `/types/${encodeURIComponent(this.type)}/validate`, { body: { intent: this.value() } })).data || {};
    } catch (e) {
      if (e.status === 422 && e.errors) res = { valid: false, errors: e.errors };
      else return true; // validation unavailable: the submit itself will still be checked
    }
    if (seq !== this.seq) return res.valid !== false;
    this.serverErrors = (res.errors || []).flatMap((e) => this.place(e));
    // How many checks have landed (tests wait on it instead of sleeping).
    if (this.el) this.el.dataset.checks = String((Number(this.el.dataset.checks) || 0) + 1);
    for (const f of this.fields.values()) this.showField(f);
    if (this.submitted) this.renderSummary();
    return res.valid !== false && !(res.errors || []).length;
  }

  // place finds the field an error belongs to: its pointer, the missing property a
  // "required" error names, or the nearest enclosing field.
  place(e) {
    let p = String(e.pointer ?? e.path ?? '').replace(/^#/, '');
    if (p === '/') p = '';
    const out = [];
    const missing = /missing propert(?:y|ies):?\s*(.+)$/i.exec(e.message || '') || /required propert(?:y|ies)\s*(.+)$/i.exec(e.message || '');
    if (missing) {
      for (const m of missing[1].matchAll(/['"]([^'"]+)['"]/g)) {
        const ptr = `${p}/${m[1]}`;
        if (this.fields.has(ptr)) out.push({ field: ptr, message: 'Required.', pointer: ptr });
      }
      if (out.length) return out;
    }
    let q = p;
    while (q && !this.fields.has(q)) q = q.slice(0, q.lastIndexOf('/'));
    const f = this.fields.get(q);
    return [{ field: f ? q : '', message: plainMessage(e.message, f ? f.sch : {}), pointer: p }];
  }

  renderSummary() {
    const problems = [];
    for (const f of this.fields.values()) {
      if (!this.visible(f)) continue;
      const msgs = [this.clientMessage(f), ...this.serverMessages(f)].filter(Boolean);
      if (msgs.length) problems.push({ f, text: `${fieldName(f)}: ${[...new Set(msgs)].join(' ')}` });
    }
    const loose = [...this.serverErrors, ...this.submitErrors].filter((e) => !e.field);
    clear(this.summary);
    if (!problems.length && !loose.length) { this.summary.hidden = true; return problems; }
    this.summary.hidden = false;
    this.summary.setAttribute('role', 'alert');
    this.summary.append(h('strong', `Please fix ${problems.length + loose.length} problem${problems.length + loose.length > 1 ? 's' : ''} before preview:`),
      h('ul', problems.map((p) => h('li', h('a', { href: '#', onclick: (ev) => { ev.preventDefault(); this.focusField(p.f); } }, p.text))),
        loose.map((e) => h('li', e.pointer ? h('code', e.pointer) : null, ' ', e.message))));
    return problems.concat(loose);
  }

  focusField(f) {
    for (let n = f.wrap; n; n = n.parentElement) {
      if (n.getAttribute && n.getAttribute('role') === 'tabpanel' && n.hidden) {
        const tab = document.getElementById(n.getAttribute('aria-labelledby'));
        if (tab) tab.click();
      }
    }
    const el = f.focusEl();
    if (el) el.focus();
  }

  /** check runs the client constraints and the server validation; true when all is well. */
  async check() {
    this.submitted = true;
    const ok = await this.validate();
    for (const f of this.fields.values()) this.showField(f);
    const problems = this.renderSummary();
    if (!ok || problems.length) {
      const first = [...this.fields.values()].find((f) => f.wrap.classList.contains('invalid'));
      if (first) this.focusField(first); else this.summary.focus();
      return false;
    }
    return true;
  }

  /** endpointLists finds the lists whose items have a device picker (for migrate). */
  endpointLists() {
    const out = [];
    const walk = (el, ctxKeys) => {
      if (!el || typeof el !== 'object') return;
      const isList = el.type === 'ListControl' || (el.type === 'Control' && el.options && el.options.detail);
      if (isList) {
        const controls = [];
        const inner = (d) => {
          if (!d || typeof d !== 'object') return;
          if (d.type === 'Control' && d.options && (d.options.widget === 'device-picker' || d.options.widget === 'port-picker')) controls.push(d);
          (d.elements || []).forEach(inner);
        };
        inner(el.options && el.options.detail);
        if (controls.some((c) => c.options.widget === 'device-picker')) out.push({ el, keys: [...ctxKeys, ...scopeKeys(el.scope)], controls });
        return;
      }
      (el.elements || []).forEach((c) => walk(c, ctxKeys));
    };
    walk(this.ui, []);
    return out;
  }
}

// related reports whether two JSON pointers name the same value or one holds the other.
function related(a, b) {
  if (a === undefined || a === null || b === undefined || b === null) return false;
  return a === b || String(a).startsWith(b + '/') || String(b).startsWith(a + '/');
}

function fieldName(f) {
  const lab = f.wrap.querySelector('label, legend');
  return lab ? lab.textContent.replace(/\s*\*$/, '').trim() : f.ptr;
}

function placeholderOf(sc, sch, kind) {
  if (Array.isArray(sch.examples) && sch.examples.length) return `e.g. ${sch.examples[0]}`;
  if (kind === 'mixed') {
    const consts = sc.options(sch).map((o) => o.value);
    if (consts.length) return `a number or ${consts.join(', ')}`;
  }
  return '';
}

// HTML's pattern attribute is anchored and compiled with the v flag; only pass patterns that
// compile there, so a pack's regex never makes a field permanently invalid in the browser.
function htmlPattern(p) { return p.replace(/^\^/, '').replace(/\$$/, ''); }
function htmlPatternOK(p) {
  try { new RegExp(`^(?:${htmlPattern(p)})$`, 'v'); return true; } catch { return false; }
}

// prune drops undefined entries and empty strings the inputs leave behind.
function prune(v) {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(prune);
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && x !== '') o[k] = prune(x);
    return o;
  }
  return v;
}
