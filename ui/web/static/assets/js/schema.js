// JSON Schema helpers for the generated forms: $ref resolution (the pack's own $defs and the
// shared common.json the engine carries), property lookup, defaults, and the small validator
// that rule conditions need. Full validation is the server's (POST /types/{name}/validate).

let commonDoc = null;

/** loadCommon fetches the shared definitions once (served by the console, never the internet). */
export async function loadCommon() {
  if (commonDoc) return commonDoc;
  try {
    const res = await fetch('/schemas/common.json');
    commonDoc = res.ok ? await res.json() : {};
  } catch { commonDoc = {}; }
  return commonDoc;
}

function pointerGet(doc, ptr) {
  let cur = doc;
  for (const raw of ptr.split('/').slice(1)) {
    const k = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur == null) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Schemas resolves references relative to one pack schema. */
export class Schemas {
  constructor(root, common) { this.root = root || {}; this.common = common || {}; }

  // deref follows $ref chains; doc tracks which document local refs belong to.
  deref(node, doc = this.root) {
    let guard = 0;
    while (node && typeof node === 'object' && typeof node.$ref === 'string' && guard++ < 32) {
      const ref = node.$ref;
      const hash = ref.indexOf('#');
      const file = hash >= 0 ? ref.slice(0, hash) : ref;
      const ptr = hash >= 0 ? ref.slice(hash + 1) : '';
      if (file.endsWith('common.json')) doc = this.common;
      else if (file) doc = this.root; // unknown documents: best effort within the pack
      const { $ref, ...rest } = node;
      const target = ptr ? pointerGet(doc, ptr) : doc;
      node = { ...(target || {}), ...rest };
    }
    return { node: node || {}, doc };
  }

  /** resolve returns a schema with $ref followed and allOf merged. */
  resolve(node, doc = this.root) {
    if (node === true || node === undefined) return {};
    if (node === false) return { not: {} };
    const r = this.deref(node, doc);
    let out = { ...r.node, __doc: r.doc };
    if (Array.isArray(out.allOf)) {
      for (const part of out.allOf) {
        const p = this.resolve(part, r.doc);
        out = {
          ...p, ...out,
          properties: { ...(p.properties || {}), ...(out.properties || {}) },
          required: [...(p.required || []), ...(out.required || [])],
        };
      }
      delete out.allOf;
    }
    return out;
  }

  /** prop returns the resolved schema of property key of an object schema. */
  prop(obj, key) {
    const o = this.resolve(obj, obj && obj.__doc);
    if (o.properties && key in o.properties) return this.resolve(o.properties[key], o.__doc);
    for (const alt of [...(o.oneOf || []), ...(o.anyOf || [])]) {
      const a = this.resolve(alt, o.__doc);
      if (a.properties && key in a.properties) return this.resolve(a.properties[key], a.__doc);
    }
    return {};
  }

  /** items returns the resolved item schema of an array schema. */
  items(arr) { return this.resolve(arr.items || {}, arr.__doc); }

  /** requiredOf reports whether key is required in obj. */
  required(obj, key) { return (this.resolve(obj, obj && obj.__doc).required || []).includes(key); }

  /** kind classifies a property for its input: enum, boolean, integer, number, string, object, array, mixed. */
  kind(sc) {
    if (Array.isArray(sc.enum)) return 'enum';
    const alts = [...(sc.oneOf || []), ...(sc.anyOf || [])].map((a) => this.resolve(a, sc.__doc));
    if (alts.length && alts.every((a) => 'const' in a)) return 'enum';
    let types = sc.type ? [].concat(sc.type) : [];
    if (!types.length && alts.length) types = alts.flatMap((a) => (a.type ? [].concat(a.type) : ('const' in a ? [typeof a.const === 'string' ? 'string' : 'number'] : [])));
    if (!types.length && sc.properties) types = ['object'];
    if (!types.length && sc.items) types = ['array'];
    types = [...new Set(types.filter((t) => t !== 'null'))];
    if (types.length === 1) return types[0];
    if (types.length === 0) return 'string';
    return 'mixed';
  }

  /** options returns [{value, label}] of an enum-like schema. */
  options(sc) {
    if (Array.isArray(sc.enum)) return sc.enum.filter((v) => v !== null).map((v) => ({ value: v, label: String(v) }));
    return [...(sc.oneOf || []), ...(sc.anyOf || [])].map((a) => this.resolve(a, sc.__doc))
      .filter((a) => 'const' in a && a.const !== null).map((a) => ({ value: a.const, label: a.title || String(a.const) }));
  }

  /** numeric returns the bounds a number input can take (first alternative that has them). */
  numeric(sc) {
    const cands = [sc, ...[...(sc.oneOf || []), ...(sc.anyOf || [])].map((a) => this.resolve(a, sc.__doc))];
    for (const c of cands) {
      const t = [].concat(c.type || []);
      if (t.includes('integer') || t.includes('number') || 'minimum' in c || 'maximum' in c) {
        return { min: c.minimum ?? (c.exclusiveMinimum !== undefined ? c.exclusiveMinimum + 1 : undefined), max: c.maximum ?? (c.exclusiveMaximum !== undefined ? c.exclusiveMaximum - 1 : undefined), integer: t.includes('integer') };
      }
    }
    return null;
  }

  /** defaults builds an initial value for a schema: its default, or an object of defaults. */
  defaults(sc) {
    const r = this.resolve(sc, sc && sc.__doc);
    if ('default' in r) return structuredClone(r.default);
    if (this.kind(r) === 'object' && r.properties) {
      const o = {};
      for (const k of Object.keys(r.properties)) {
        const d = this.defaults(this.prop(r, k));
        if (d !== undefined) o[k] = d;
      }
      return o;
    }
    if (this.kind(r) === 'array' && r.minItems) {
      return Array.from({ length: r.minItems }, () => this.defaults(this.items(r)) ?? {});
    }
    return undefined;
  }

  /** matches is a small JSON Schema check, enough for rule conditions. */
  matches(value, cond) {
    if (cond === true || cond === undefined) return true;
    if (cond === false) return false;
    const c = this.resolve(cond, this.root);
    if ('const' in c && !deepEqual(value, c.const)) return false;
    if (Array.isArray(c.enum) && !c.enum.some((v) => deepEqual(v, value))) return false;
    if (c.type) {
      const ts = [].concat(c.type);
      if (!ts.some((t) => typeOk(value, t))) return false;
    }
    if (typeof value === 'number') {
      if (c.minimum !== undefined && value < c.minimum) return false;
      if (c.maximum !== undefined && value > c.maximum) return false;
    }
    if (typeof value === 'string') {
      if (c.minLength !== undefined && value.length < c.minLength) return false;
      if (c.maxLength !== undefined && value.length > c.maxLength) return false;
      if (c.pattern) { try { if (!new RegExp(c.pattern, 'u').test(value)) return false; } catch { /* ignore */ } }
    }
    if (Array.isArray(value)) {
      if (c.minItems !== undefined && value.length < c.minItems) return false;
      if (c.maxItems !== undefined && value.length > c.maxItems) return false;
      if (c.contains && !value.some((v) => this.matches(v, c.contains))) return false;
    }
    if (c.required && (value === null || typeof value !== 'object' || c.required.some((k) => !(k in value)))) return false;
    if (c.properties && value && typeof value === 'object') {
      for (const [k, ps] of Object.entries(c.properties)) if (k in value && !this.matches(value[k], ps)) return false;
    }
    if (c.not && this.matches(value, c.not)) return false;
    if (c.anyOf && !c.anyOf.some((a) => this.matches(value, a))) return false;
    if (c.oneOf && c.oneOf.filter((a) => this.matches(value, a)).length !== 1) return false;
    return true;
  }
}

function typeOk(v, t) {
  switch (t) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number';
    case 'string': return typeof v === 'string';
    case 'array': return Array.isArray(v);
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    default: return true;
  }
}

/** deepEqual compares JSON values. */
export function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a); const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
}

/** scopeKeys turns "#/properties/a/properties/b" into ["a", "b"]. */
export function scopeKeys(scope) {
  const parts = String(scope || '').replace(/^#/, '').split('/').filter(Boolean);
  const keys = [];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === 'properties' && i + 1 < parts.length) { keys.push(decodeURIComponent(parts[i + 1]).replace(/~1/g, '/').replace(/~0/g, '~')); i++; }
  }
  return keys;
}

/** pointerOf joins a data path as a JSON pointer. */
export function pointerOf(path) {
  return path.map((k) => '/' + String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** getAt reads data at path. */
export function getAt(data, path) {
  let cur = data;
  for (const k of path) { if (cur == null) return undefined; cur = cur[k]; }
  return cur;
}

/** setAt writes value at path, creating objects on the way; undefined deletes. */
export function setAt(data, path, value) {
  let cur = data;
  for (let i = 0; i < path.length - 1; i++) {
    if (cur[path[i]] == null || typeof cur[path[i]] !== 'object') cur[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[path[i]];
  }
  const last = path[path.length - 1];
  if (value === undefined) { if (Array.isArray(cur)) cur[last] = undefined; else delete cur[last]; } else cur[last] = value;
}

/** humanize turns "vlan_id" or "serviceMtu" into "Vlan id" / "Service mtu". */
export function humanize(key) {
  const s = String(key).replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * plainMessage words a schema validator's message for operators: no regular expressions, no
 * "is required" after the console's own "Required.", sentences that start with a capital.
 */
export function plainMessage(msg, sch = {}) {
  const m = String(msg || '').trim();
  let r;
  if (!m) return 'Not valid.';
  if (/^(is )?required\.?$|^missing propert|required propert/i.test(m)) return 'Required.';
  if (/pattern|does not match/i.test(m)) {
    if (sch.description) return `Not in the expected form: ${sch.description.replace(/\.?$/, '.')}`;
    if (Array.isArray(sch.examples) && sch.examples.length) return `Not in the expected form, for example ${sch.examples[0]}.`;
    return 'Not in the expected form.';
  }
  if ((r = /must be <= ?(\S+)/.exec(m))) return `Must be at most ${r[1]}.`;
  if ((r = /must be >= ?(\S+)/.exec(m))) return `Must be at least ${r[1]}.`;
  if ((r = /must be < ?(\S+)/.exec(m))) return `Must be less than ${r[1]}.`;
  if ((r = /must be > ?(\S+)/.exec(m))) return `Must be more than ${r[1]}.`;
  if ((r = /length must be <= ?(\d+)/.exec(m))) return `At most ${r[1]} characters.`;
  if ((r = /length must be >= ?(\d+)/.exec(m))) return `At least ${r[1]} characters.`;
  if ((r = /minimum (\d+) items/.exec(m))) return `Add at least ${r[1]}.`;
  if ((r = /maximum (\d+) items/.exec(m))) return `At most ${r[1]} may be given.`;
  if ((r = /expected (\w+), but got (\w+)/.exec(m))) return `Must be ${r[1] === 'integer' ? 'a whole number' : r[1] === 'number' ? 'a number' : r[1] === 'string' ? 'text' : `a${/^[aeiou]/.test(r[1]) ? 'n' : ''} ${r[1]}`}.`;
  if (/value must be one of|must be one of/i.test(m)) return 'Choose one of the offered values.';
  if (/format/i.test(m) && (r = /is not valid '?([\w-]+)'?/.exec(m))) return `Not a valid ${r[1]}.`;
  // Anything else is the pack's or the engine's own sentence: keep it, minus quoted regexes.
  const clean = m.replace(/'\^[^']*\$?'/g, 'the expected form').replace(/\s+/g, ' ');
  return clean.charAt(0).toUpperCase() + clean.slice(1) + (/[.!?]$/.test(clean) ? '' : '.');
}
