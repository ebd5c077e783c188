// The console's shell: sign-in, the role of the user, navigation and a small router over the
// History API (the server answers every page path with index.html).

import { h, clear, link, errorBox } from './dom.js';
import { get, token, setToken, setUnauthorizedHandler } from './api.js';
import * as pages from './pages.js';
import * as services from './services.js';
import * as consolePages from './console.js';
import * as audits from './audits.js';
import { session, navigate, setRouter } from './state.js';


const routes = [
  [/^\/signin$/, signin, 'Sign in'],
  [/^\/$/, () => navigate('/services', true), ''],
  [/^\/catalogue$/, pages.catalogue, 'Catalogue'],
  [/^\/catalogue\/([^/]+)$/, pages.createService, 'New service'],
  [/^\/plans\/([^/]+)$/, pages.planPage, 'Plan'],
  [/^\/runs\/([^/]+)$/, pages.runPage, 'Run'],
  [/^\/services$/, services.list, 'Services'],
  [/^\/services\/([^/]+)$/, services.detail, 'Service'],
  [/^\/services\/([^/]+)\/modify$/, services.modify, 'Modify service'],
  [/^\/services\/([^/]+)\/migrate$/, services.migrate, 'Migrate an endpoint'],
  [/^\/inventory$/, consolePages.inventory, 'Inventory'],
  [/^\/inventory\/([^/]+)$/, consolePages.deviceDetail, 'Device'],
  [/^\/pools$/, consolePages.pools, 'Pools'],
  [/^\/audits$/, audits.list, 'Audits'],
  [/^\/audits\/([^/]+)$/, audits.job, 'Audit'],
  [/^\/reports$/, consolePages.reports, 'Reports'],
  [/^\/tokens$/, consolePages.tokens, 'API tokens'],
];

const navItems = [
  ['/services', 'Services'], ['/catalogue', 'Catalogue'], ['/inventory', 'Inventory'],
  ['/pools', 'Pools'], ['/audits', 'Audits'], ['/reports', 'Reports'], ['/tokens', 'Tokens', 'admin'],
];

let renderSeq = 0;


function drawShell() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!session.me) { clear(nav); clear(who); return; }
  const here = location.pathname;
  const mine = navItems.filter(([, , role]) => !role || session.me.role === role);
  clear(nav, h('ul', mine.map(([href, label]) => h('li', h('a', { href, 'data-link': true, 'aria-current': here === href || here.startsWith(href + '/') ? 'page' : false }, label)))));
  clear(who,
    h('span', { class: 'user' }, session.me.name || session.me.user || 'signed in'),
    h('span', { class: ['role', `role-${session.me.role}`], title: 'your role' }, session.me.role || ''),
    h('button', { type: 'button', class: 'btn link', onclick: signOut }, 'Sign out'));
}

function signOut() {
  setToken('');
  session.me = null; session.canWrite = false;
  navigate('/signin');
}

// route renders the page for the current location.
async function route() {
  const seq = ++renderSeq;
  const main = document.getElementById('main');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  if (!token() && path !== '/signin') { navigate(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`, true); return; }
  if (token() && !session.me) {
    try {
      session.me = await get('/me');
      session.canWrite = ['operator', 'designer', 'admin'].includes(session.me.role);
    } catch (e) {
      if (e.status === 401 || e.status === 403) { setToken(''); navigate('/signin', true); return; }
      clear(main, errorBox(e)); return;
    }
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
      h('p', { class: 'help', id: 'token-help' }, 'Paste the bearer token an administrator gave you. It is kept in this browser tab only.')),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, 'Sign in')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(err);
    if (!input.value.trim()) { err.append(h('p', { class: 'msg' }, 'Enter your token.')); input.focus(); return; }
    setToken(input.value.trim());
    try {
      session.me = await get('/me');
      session.canWrite = ['operator', 'designer', 'admin'].includes(session.me.role);
    } catch (e) {
      setToken('');
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
setRouter(route);
setUnauthorizedHandler(() => {
  if (location.pathname === '/signin') return;
  setToken(''); session.me = null;
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
