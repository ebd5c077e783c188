// Charts drawn as inline SVG by our own code: horizontal bars, usage bars and a donut. Each
// chart has a text alternative (role="img" with a label, and a <title> per mark).

import { h, s } from './dom.js';

const PALETTE = ['#1d4ed8', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#4d7c0f', '#0369a1', '#a21caf'];

/** barChart draws [{label, value}] as horizontal bars, scaled to max (default: the largest). */
export function barChart(title, rows, { width = 420, unit = '', max: top } = {}) {
  const data = rows.filter((r) => r.value !== undefined);
  const rowH = 26; const labelW = 130; const valueW = 60;
  const height = Math.max(1, data.length) * rowH + 8;
  // A share (unit %) is drawn against 100, not against the largest bar.
  const max = top || Math.max(1, ...data.map((r) => r.value));
  const plotW = width - labelW - valueW;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': `${title}: ${data.map((r) => `${r.label} ${r.value}${unit}`).join(', ') || 'no data'}`, class: 'chart' });
  data.forEach((r, i) => {
    const y = 4 + i * rowH;
    const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * plotW);
    svg.append(
      s('text', { x: labelW - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'lbl' }, truncate(r.label, 18)),
      s('rect', { x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 8, rx: 3, fill: r.color || PALETTE[i % PALETTE.length] }, s('title', `${r.label}: ${r.value}${unit}`)),
      s('text', { x: labelW + w + 6, y: y + rowH / 2 + 4, class: 'val' }, `${r.value}${unit}`));
  });
  if (!data.length) svg.append(s('text', { x: 8, y: 20, class: 'lbl' }, 'No data'));
  return h('figure', { class: 'chartbox' }, h('figcaption', title), svg);
}

/** usageBar draws used out of size as a meter. */
export function usageBar(label, used, size) {
  const pct = size ? Math.min(100, (used / size) * 100) : 0;
  const cls = pct >= 90 ? 'hot' : pct >= 70 ? 'warm' : 'ok';
  const svg = s('svg', { viewBox: '0 0 200 14', preserveAspectRatio: 'none', class: 'usage', 'aria-hidden': 'true' },
    s('rect', { x: 0, y: 0, width: 200, height: 14, rx: 3, class: 'track' }),
    s('rect', { x: 0, y: 0, width: (pct * 2).toFixed(1), height: 14, rx: 3, class: `fill ${cls}` }));
  const text = size ? `${used} of ${size} used (${pct.toFixed(pct < 1 && pct > 0 ? 2 : 0)}%)` : `${used} used`;
  return h('div', { class: 'usagewrap', role: 'meter', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': String(size || used || 1), 'aria-valuenow': String(used), 'aria-valuetext': text }, svg, h('span', { class: 'small' }, text));
}

/** donut draws parts [{label, value, color}] of a whole. */
export function donut(title, parts) {
  const total = parts.reduce((a, p) => a + p.value, 0);
  const R = 50; const r = 30; const cx = 60; const cy = 60;
  const svg = s('svg', { viewBox: '0 0 320 120', width: '100%', role: 'img', class: 'chart donut', 'aria-label': `${title}: ${parts.map((p) => `${p.label} ${p.value}`).join(', ')}` });
  let a0 = -Math.PI / 2;
  if (!total) svg.append(s('circle', { cx, cy, r: (R + r) / 2, fill: 'none', stroke: '#d1d5db', 'stroke-width': R - r }));
  for (const p of parts) {
    if (!p.value) continue;
    const frac = p.value / total;
    if (frac >= 0.9999) {
      svg.append(s('circle', { cx, cy, r: (R + r) / 2, fill: 'none', stroke: p.color, 'stroke-width': R - r }, s('title', `${p.label}: ${p.value}`)));
      continue;
    }
    const a1 = a0 + frac * 2 * Math.PI;
    const large = frac > 0.5 ? 1 : 0;
    const pt = (rad, a) => `${(cx + rad * Math.cos(a)).toFixed(2)} ${(cy + rad * Math.sin(a)).toFixed(2)}`;
    svg.append(s('path', { d: `M ${pt(R, a0)} A ${R} ${R} 0 ${large} 1 ${pt(R, a1)} L ${pt(r, a1)} A ${r} ${r} 0 ${large} 0 ${pt(r, a0)} Z`, fill: p.color }, s('title', `${p.label}: ${p.value}`)));
    a0 = a1;
  }
  svg.append(s('text', { x: cx, y: cy + 5, 'text-anchor': 'middle', class: 'big' }, String(total)));
  parts.forEach((p, i) => {
    svg.append(s('rect', { x: 130, y: 22 + i * 24, width: 12, height: 12, fill: p.color }), s('text', { x: 148, y: 33 + i * 24, class: 'lbl' }, `${p.label}: ${p.value}`));
  });
  return h('figure', { class: 'chartbox' }, h('figcaption', title), svg);
}

function truncate(t, n) { t = String(t); return t.length > n ? t.slice(0, n - 1) + '…' : t; }

/** pairs turns {k: n} or [{key|name|type|state|vendor, count}] into [{label, value}]. */
export function pairs(v) {
  if (!v) return [];
  if (Array.isArray(v)) return v.map((x) => ({ label: x.label ?? x.key ?? x.name ?? x.type ?? x.state ?? x.vendor ?? '?', value: Number(x.count ?? x.value ?? x.services ?? 0) }));
  return Object.entries(v).map(([k, n]) => ({ label: k, value: Number(typeof n === 'object' ? (n.count ?? n.value ?? 0) : n) }));
}
