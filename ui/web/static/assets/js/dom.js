// Small DOM helpers: h() builds elements without innerHTML (no injection, CSP-friendly).

import { plainMessage } from './schema.js';
import { navigate } from './state.js';

const SVGNS = 'http://www.w3.org/2000/svg';

let uid = 0;
/** nextId returns a document-unique id with the given prefix. */
export function nextId(prefix = 'f') { uid += 1; return `${prefix}-${uid}`; }

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && !(el instanceof SVGElement) && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, kids) {
  for (const c of kids.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** h builds an HTML element: h('a', {href}, 'text', child...). */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  if (attrs && (attrs instanceof Node || typeof attrs !== 'object' || Array.isArray(attrs))) { kids.unshift(attrs); attrs = {}; }
  apply(el, attrs);
  append(el, kids);
  return el;
}

/** s builds an SVG element. */
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  append(el, kids);
  return el;
}

/** clear empties a node and appends kids. */
export function clear(el, ...kids) { el.replaceChildren(); append(el, kids); return el; }

/** link is an in-app anchor handled by the router. */
export function link(href, ...kids) { return h('a', { href, 'data-link': true }, ...kids); }

/** fmtTime formats an RFC 3339 time for people. */
export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** badge draws a state as a coloured tag. */
export function badge(state) {
  const st = String(state || 'unknown');
  return h('span', { class: ['badge', `st-${st.replace(/[^a-z-]/gi, '')}`] }, st);
}

/** toast shows a short polite message. */
export function toast(msg) {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = msg;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

/**
 * errorBox renders an API error (problem JSON) in plain words. A 412 (someone changed the
 * service meanwhile) offers Reload, which draws the page again from the current version (a
 * form keeps its draft); opts.reload replaces what Reload does.
 */
export function errorBox(err, opts = {}) {
  const box = h('div', { class: 'error', role: 'alert' });
  const title = err.title || 'Something went wrong';
  box.append(h('strong', title));
  if (err.detail && err.detail !== title) box.append(h('p', err.detail));
  if (Array.isArray(err.errors) && err.errors.length) {
    box.append(h('ul', err.errors.map((e) => h('li', e.pointer ? [h('code', e.pointer), ' '] : null, plainMessage(e.message)))));
  }
  if (err.status === 412 || opts.reload) {
    const b = h('button', { type: 'button', class: 'btn secondary' }, 'Reload');
    b.addEventListener('click', () => (opts.reload ? opts.reload() : navigate(location.pathname + location.search, true)));
    box.append(h('div', { class: 'actions' }, b));
  }
  return box;
}

/** table builds a simple data table; cols are [header, fn(row) → node|string]. */
export function table(cols, rows, opts = {}) {
  return h('div', { class: 'tablewrap' }, h('table', { class: opts.class || 'data' },
    opts.caption ? h('caption', opts.caption) : null,
    h('thead', h('tr', cols.map(([hd]) => h('th', { scope: 'col' }, hd)))),
    h('tbody', rows.length ? rows.map((r) => h('tr', cols.map(([, f]) => h('td', f(r)))))
      : h('tr', h('td', { colSpan: cols.length, class: 'muted' }, opts.empty || 'Nothing here yet.')))));
}

/** pretty formats JSON for a <pre>. */
export function pretty(v) { return JSON.stringify(v, null, 2); }
