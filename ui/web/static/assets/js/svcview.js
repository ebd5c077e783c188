// Reading a service's own data for people: its endpoints with VLAN and address (from the
// intent, whatever the pack calls its endpoint list), the intent as a readable form view,
// and a topology picture drawn in SVG.

import { h, s } from './dom.js';
import { humanize } from './schema.js';

const VLAN_KEYS = ['vlan', 'vlan_id', 'outer_vlan', 's_vlan', 'svlan'];
const INNER_KEYS = ['inner_vlan', 'c_vlan', 'cvlan'];
const ADDR_KEYS = ['pe_address', 'address', 'ipv4', 'ip', 'local_address'];

function first(o, keys) {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null && o[k] !== '') return o[k];
  return undefined;
}

/**
 * intentEndpoints finds the endpoints of a service in its intent: the items of every list
 * whose entries name a device (endpoints, sites, …), with port, VLAN and address. Without
 * such a list it falls back to the service's recorded (device, port) pairs.
 */
export function intentEndpoints(intent, refs) {
  const out = [];
  if (intent && typeof intent === 'object') {
    for (const [list, v] of Object.entries(intent)) {
      if (!Array.isArray(v)) continue;
      v.forEach((e, i) => {
        if (!e || typeof e !== 'object' || typeof e.device !== 'string') return;
        out.push({ list, index: i, device: e.device, port: e.port || '', vlan: first(e, VLAN_KEYS), inner: first(e, INNER_KEYS),
          address: first(e, ADDR_KEYS), peer: e.ce_address || e.peer_address || '', role: e.role || e.name || '' });
      });
    }
  }
  if (!out.length) for (const [i, r] of (refs || []).entries()) out.push({ list: 'endpoints', index: i, device: r.device, port: r.port || '' });
  return out;
}

/** endpointText words one endpoint: "pe1 ge-0/0/1 VLAN 100 (192.0.2.1/30)". */
export function endpointText(e) {
  let t = `${e.device}${e.port ? ' ' + e.port : ''}`;
  if (e.vlan !== undefined) t += ` VLAN ${e.vlan}${e.inner !== undefined ? '.' + e.inner : ''}`;
  if (e.address) t += ` (${e.address})`;
  return t;
}

function scalar(v) {
  if (v === true) return 'yes';
  if (v === false) return 'no';
  return String(v);
}

/**
 * intentView draws an intent as nested description lists and tables, labelled with the
 * pack's schema titles where it has them (a readable form view, not a JSON dump).
 */
export function intentView(intent, schema) {
  const titleOf = (sch, k) => {
    const p = sch && sch.properties && sch.properties[k];
    return (p && p.title) || humanize(k);
  };
  const itemsOf = (sch) => (sch && sch.items) || {};
  const propOf = (sch, k) => (sch && sch.properties && sch.properties[k]) || {};
  const draw = (v, sch) => {
    if (Array.isArray(v)) {
      if (!v.length) return h('span', { class: 'muted' }, 'none');
      if (v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
        const keys = [...new Set(v.flatMap((x) => Object.keys(x)))];
        const isch = itemsOf(sch);
        return h('div', { class: 'tablewrap' }, h('table', { class: 'data intent-list' },
          h('thead', h('tr', h('th', { scope: 'col' }, '#'), keys.map((k) => h('th', { scope: 'col' }, titleOf(isch, k))))),
          h('tbody', v.map((x, i) => h('tr', h('td', String(i + 1)), keys.map((k) => h('td', x[k] === undefined ? '' : (typeof x[k] === 'object' ? draw(x[k], propOf(isch, k)) : scalar(x[k])))))))));
      }
      return v.map(scalar).join(', ');
    }
    if (v && typeof v === 'object') {
      return h('dl', { class: 'facts intent' }, Object.entries(v).map(([k, x]) => [h('dt', titleOf(sch, k)), h('dd', typeof x === 'object' && x !== null ? draw(x, propOf(sch, k)) : scalar(x))]));
    }
    return scalar(v);
  };
  return draw(intent || {}, schema || {});
}

const NODE_W = 150;
const NODE_H = 46;

/**
 * topology draws a service in SVG from its own data: one box per device with its ports (and
 * VLANs) underneath, joined through the service in the middle (a pseudowire for two
 * endpoints, the VPN or bridge domain for more). The colour of the centre says the state.
 */
export function topology(svc, eps) {
  const devices = [];
  for (const e of eps) {
    let d = devices.find((x) => x.name === e.device);
    if (!d) { d = { name: e.device, eps: [] }; devices.push(d); }
    d.eps.push(e);
  }
  const n = Math.max(1, devices.length);
  const width = Math.max(480, n * (NODE_W + 40));
  const height = 260;
  const cx = width / 2; const cy = 60;
  const kind = devices.length === 2 && eps.length === 2 ? 'pseudowire' : (String(svc.type || '').includes('l3') ? 'VPN' : 'service');
  const label = `Topology of ${svc.id}: ${kind} ${svc.state || ''} joining ${eps.map(endpointText).join(', ') || 'no endpoints'}`;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label, class: 'topology' });
  devices.forEach((d, i) => {
    const x = (width / n) * i + (width / n - NODE_W) / 2;
    const y = 150;
    svg.append(s('line', { x1: cx, y1: cy + 18, x2: x + NODE_W / 2, y2: y, class: `link st-${svc.state || 'unknown'}` }));
    const ports = d.eps.map((e) => `${e.port || '?'}${e.vlan !== undefined ? ' · VLAN ' + e.vlan : ''}`);
    svg.append(s('g', { class: 'node' },
      s('title', `${d.name}: ${d.eps.map(endpointText).join('; ')}`),
      s('rect', { x, y, width: NODE_W, height: NODE_H + ports.length * 16, rx: 6 }),
      s('text', { x: x + NODE_W / 2, y: y + 20, 'text-anchor': 'middle', class: 'dev' }, d.name),
      ports.map((p, j) => s('text', { x: x + NODE_W / 2, y: y + 38 + j * 16, 'text-anchor': 'middle', class: 'port' }, p.length > 24 ? p.slice(0, 23) + '…' : p))));
  });
  svg.append(s('g', { class: `hub st-${svc.state || 'unknown'}` },
    s('rect', { x: cx - 90, y: cy - 18, width: 180, height: 36, rx: 18 }),
    s('text', { x: cx, y: cy + 5, 'text-anchor': 'middle' }, `${svc.id.length > 18 ? svc.id.slice(0, 17) + '…' : svc.id} · ${kind}`)));
  return h('figure', { class: 'topobox' }, svg, h('figcaption', { class: 'muted small' }, `${devices.length} device${devices.length === 1 ? '' : 's'}, ${eps.length} endpoint${eps.length === 1 ? '' : 's'}; state ${svc.state || 'unknown'}.`));
}

// flatten lists the leaves of a JSON value as [path, value] with paths such as
// ["endpoints", 0, "vlan"].
function flatten(v, path = [], out = new Map()) {
  if (Array.isArray(v)) { if (!v.length) out.set(JSON.stringify(path), { path, value: [] }); v.forEach((x, i) => flatten(x, [...path, i], out)); }
  else if (v && typeof v === 'object') { if (!Object.keys(v).length) out.set(JSON.stringify(path), { path, value: {} }); for (const [k, x] of Object.entries(v)) flatten(x, [...path, k], out); }
  else out.set(JSON.stringify(path), { path, value: v });
  return out;
}

/** fieldLabel words a path of an intent: ["endpoints", 0, "vlan"] → "Endpoints 1 › Vlan". */
export function fieldLabel(path, schema) {
  const parts = [];
  let sch = schema || {};
  for (const k of path) {
    if (typeof k === 'number') { parts[parts.length - 1] = `${parts[parts.length - 1] || 'Item'} ${k + 1}`; sch = (sch && sch.items) || {}; continue; }
    const p = sch && sch.properties && sch.properties[k];
    let name = (p && p.title) || humanize(k);
    if (p && p.type === 'array' && p.items && p.items.title) name = p.items.title;
    parts.push(name);
    sch = p || {};
  }
  return parts.join(' › ') || 'The intent';
}

function show(v) {
  if (v === undefined) return '—';
  if (Array.isArray(v) && !v.length) return '(empty list)';
  if (v && typeof v === 'object') return '(empty)';
  return scalar(v);
}

/** diffIntents lists what differs between two intents: [{label, before, after}]. */
export function diffIntents(a, b, schema) {
  const fa = flatten(a || {}); const fb = flatten(b || {});
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const out = [];
  for (const k of keys) {
    const x = fa.get(k); const y = fb.get(k);
    const before = x ? x.value : undefined; const after = y ? y.value : undefined;
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    out.push({ label: fieldLabel((x || y).path, schema), before: show(before), after: show(after) });
  }
  return out;
}

/** diffTable draws diffIntents rows: field, before, after. */
export function diffTable(rows, caption) {
  const tw = h('div', { class: 'tablewrap' }, h('table', { class: 'data diff-table' },
    caption ? h('caption', caption) : null,
    h('thead', h('tr', h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    h('tbody', rows.length ? rows.map((r) => h('tr', h('th', { scope: 'row' }, r.label), h('td', { class: 'before' }, r.before), h('td', { class: 'after' }, `→ ${r.after}`)))
      : h('tr', h('td', { colSpan: 3, class: 'muted' }, 'The intent is the same.')))));
  return tw;
}
