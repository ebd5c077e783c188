// The console's shell: sign-in, the role of the user, navigation and a small router over the
// History API (the server answers every page path with index.html).

import { h, clear, link, errorBox, toast } from './dom.js';
import { get, signIn, signOut as endSession, setUnauthorizedHandler } from './api.js';
import * as pages from './pages.js';
import * as services from './services.js';
import * as consolePages from './console.js';
import * as runs from './runs.js';
import * as admin from './admin.js';
import * as audits from './audits.js';
import * as customers from './customers.js';
import * as clone from './clone.js';
import { session, navigate, setRouter } from './state.js';


const routes = [
  [/^\/signin$/, signin, 'Sign in'],
  [/^\/$/, () => navigate('/dashboard', true), ''],
  [/^\/dashboard$/, runs.dashboard, 'Dashboard'],
  [/^\/runs$/, runs.runsPage, 'Runs'],
  [/^\/catalogue$/, pages.catalogue, 'Catalogue'],
  [/^\/catalogue\/([^/]+)$/, pages.createService, 'New service'],
  [/^\/plans\/([^/]+)$/, pages.planPage, 'Plan'],
  [/^\/runs\/([^/]+)$/, pages.runPage, 'Run'],
  [/^\/services$/, services.list, 'Services'],
  [/^\/services\/([^/]+)$/, services.detail, 'Service'],
  [/^\/services\/([^/]+)\/modify$/, services.modify, 'Modify service'],
  [/^\/services\/([^/]+)\/migrate$/, services.migrate, 'Migrate an endpoint'],
  [/^\/services\/([^/]+)\/clone$/, clone.clonePage, 'Clone a service'],
  [/^\/customers$/, customers.list, 'Customers'],
  [/^\/customers\/([^/]+)$/, customers.detail, 'Customer'],
  [/^\/inventory$/, consolePages.inventory, 'Inventory'],
  [/^\/inventory\/([^/]+)$/, consolePages.deviceDetail, 'Device'],
  [/^\/pools$/, consolePages.pools, 'Pools'],
  [/^\/audits$/, audits.list, 'Audits'],
  [/^\/audits\/([^/]+)$/, audits.job, 'Audit'],
  [/^\/reports$/, consolePages.reports, 'Reports'],
  [/^\/tokens$/, consolePages.tokens, 'API tokens'],
  [/^\/audit-log$/, admin.auditLog, 'Audit log'],
];

const navItems = [
  ['/dashboard', 'Dashboard'], ['/services', 'Services'], ['/customers', 'Customers'], ['/runs', 'Runs'], ['/catalogue', 'Catalogue'], ['/inventory', 'Inventory'],
  ['/pools', 'Pools'], ['/audits', 'Audits'], ['/reports', 'Reports'], ['/tokens', 'Tokens', 'admin'], ['/audit-log', 'Audit log', 'admin'],
];

let renderSeq = 0;

// Theme: "light", "dark", or the system's preference (prefers-color-scheme) when none is
// chosen. Applied before the first page is drawn.
const THEME = 'xprov.theme';
function applyTheme(t) {
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME));

function themePicker() {
  const cur = localStorage.getItem(THEME) || 'auto';
  const sel = h('select', { id: 'theme', 'aria-label': 'Colour theme' },
    [['auto', 'Auto theme'], ['light', 'Light'], ['dark', 'Dark']].map(([v, l]) => h('option', { value: v, selected: v === cur }, l)));
  sel.addEventListener('change', () => {
    if (sel.value === 'auto') localStorage.removeItem(THEME); else localStorage.setItem(THEME, sel.value);
    applyTheme(sel.value);
  });
  return h('span', { class: 'themepick' }, sel);
}


function drawShell() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!session.me) { clear(nav); clear(who, themePicker()); return; }
  const here = location.pathname;
  const mine = navItems.filter(([, , role]) => !role || session.me.role === role);
  clear(nav, h('ul', mine.map(([href, label]) => h('li', h('a', { href, 'data-link': true, 'aria-current': here === href || here.startsWith(href + '/') ? 'page' : false }, label)))));
  clear(who, themePicker(),
    h('span', { class: 'user' }, session.me.name || session.me.user || 'signed in'),
    h('span', { class: ['role', `role-${session.me.role}`], title: 'your role' }, session.me.role || ''),
    h('button', { type: 'button', class: 'btn link', onclick: signOut }, 'Sign out'));
}

async function signOut() {
  await endSession();
  session.me = null; session.canWrite = false;
  navigate('/signin');
}

// route renders the page for the current location.
async function route() {
  const seq = ++renderSeq;
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (!session.me && path !== '/signin') {
    // The session cookie, if any, says who this is; a new tab of a signed-in browser is too.
    try {
      session.me = await get('/me');
      session.canWrite = ['operator', 'designer', 'admin'].includes(session.me.role);
    } catch (e) {
      if (seq !== renderSeq) return;
      if (e.status === 401) { navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true); return; }
      clear(main, errorBox(e)); return;
    }
    if (seq !== renderSeq) return;
  }
  drawShell();
  for (const [re, fn, title] of routes) {
    const m = re.exec(path);
    if (!m) continue;
    document.title = title ? `${title} · xprov` : 'xprov';
    const view = h('div', { class: 'view' });
    clear(main, view);
    try {
      await fn(view, ...m.slice(1).map(decodeURIComponent), new URLSearchParams(location.search));
    } catch (e) {
      if (seq === renderSeq) view.append(errorBox(e));
    }
    if (seq === renderSeq) {
      const hd = main.querySelector('h1');
      if (hd && !main.contains(document.activeElement)) { hd.tabIndex = -1; hd.focus({ preventScroll: true }); }
    }
    return;
  }
  clear(main, h('h1', 'Page not found'), h('p', 'There is no page at this address. ', link('/services', 'Go to services'), '.'));
}

async function signin(view, params) {
  const id = 'token-input';
  const err = h('div', { 'aria-live': 'assertive' });
  const input = h('input', { id, type: 'password', name: 'token', autocomplete: 'current-password', required: true, 'aria-describedby': 'token-help' });
  const form = h('form', { class: 'signin card', novalidate: true },
    h('h1', 'Sign in to xprov'),
    h('div', { class: 'field' }, h('label', { for: id }, 'API token'), input,
      h('p', { class: 'help', id: 'token-help' }, 'Paste the bearer token an administrator gave you. This browser stays signed in, in every tab, until you sign out or close it; no page script can read the token.')),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, 'Sign in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(err);
    if (!input.value.trim()) { err.append(h('p', { class: 'msg' }, 'Enter your token.')); input.focus(); return; }
    try {
      session.me = await signIn(input.value.trim());
      session.canWrite = ['operator', 'designer', 'admin'].includes(session.me.role);
      input.value = '';
    } catch (e) {
      session.me = null;
      err.append(errorBox(e.status === 401 ? { title: 'This token is not valid', detail: 'Check it and try again.' } : e));
      input.focus();
      return;
    }
    const next = params.get('next');
    navigate(next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/signin') ? next : '/services');
  });
  view.append(form);
  input.focus();
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[data-link]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);

// Shortcuts: "/" searches services, "n" starts a new service, "?" lists the shortcuts. They
// never fire while typing in a field or with a modifier key.
document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || !session.me) return;
  const t = ev.target;
  if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
  if (ev.key === '/') {
    ev.preventDefault();
    const q = document.getElementById('q');
    if (q && location.pathname === '/services') { q.focus(); q.select(); return; }
    Promise.resolve(navigate('/services')).then(() => { const x = document.getElementById('q'); if (x) x.focus(); });
  } else if (ev.key === 'n' && session.canWrite) {
    ev.preventDefault();
    navigate('/catalogue');
  } else if (ev.key === '?') {
    ev.preventDefault();
    toast('Shortcuts: / search services · n new service · ? this list');
  }
});
setRouter(route);
setUnauthorizedHandler(() => {
  if (location.pathname === '/signin' || !session.me) return;
  session.me = null; session.canWrite = false;
  navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true);
});
route();

// A script error must never leave the operator with a silent page: show it.
function showFault(msg) {
  const main = document.getElementById('main');
  if (main) main.prepend(errorBox({ title: 'The console hit an error', detail: String(msg) }));
}
window.addEventListener('error', (ev) => showFault(ev.message));
window.addEventListener('unhandledrejection', (ev) => { ev.preventDefault(); showFault(ev.reason && ev.reason.stack ? ev.reason.stack : ev.reason); });
