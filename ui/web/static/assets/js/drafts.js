// Drafts: the input of a create, modify or migrate form, kept in this tab's sessionStorage so
// that it survives a refused preview, a failed commit and a reload. A draft is dropped when a
// run of a plan made from it succeeds, or when the operator starts over.

const KEY = 'xprov.drafts';

function all() {
  try {
    const v = JSON.parse(sessionStorage.getItem(KEY) || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch { return {}; }
}

function keep(v) {
  try { sessionStorage.setItem(KEY, JSON.stringify(v)); } catch { /* storage full or disabled: drafts are a convenience */ }
}

/** loadDraft returns the draft of a form ({intent, id, path, version, at, plan}) or null. */
export function loadDraft(key) { return all()[key] || null; }

/** saveDraft records a form's input; it keeps the plan the draft last produced. */
export function saveDraft(key, d) {
  const v = all();
  v[key] = { ...(v[key] || {}), ...d, at: new Date().toISOString() };
  keep(v);
}

/** dropDraft forgets a form's input. */
export function dropDraft(key) { const v = all(); delete v[key]; keep(v); }

/** linkPlan notes that a draft produced a plan, so the run of that plan can find it. */
export function linkPlan(key, planId) {
  const v = all();
  if (v[key]) { v[key].plan = planId; keep(v); }
}

/** draftOfPlan returns {key, draft} of the draft that produced a plan, or null. */
export function draftOfPlan(planId) {
  if (!planId) return null;
  for (const [key, d] of Object.entries(all())) if (d.plan === planId) return { key, draft: d };
  return null;
}
