// Path routing (History API). Screens register a path pattern, the custom element to show,
// and which roles may see it; the first match for the person's roles wins.
import { t } from './i18n.js';
import { html } from './ui.js';

const routes = [];
const navItems = [];
let user = null;

// route('/orders/:id', 'lw-order-detail', {roles: ['fitter']}) -- params become attributes.
// `load`: a screen module imported only when its route is first shown (the planner's desk is
// not loaded on a fitter's phone); the element upgrades once the module defines it.
export function route(pattern, tag, { roles = null, auth = true, load = null } = {}) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}/?$`);
  routes.push({ regex, names, tag, roles, auth, load });
}

// nav({href: '/', label: 'nav.my_day', roles: ['fitter'], testid: 'nav-my-day', order: 10})
export function nav(item) {
  navItems.push(item);
  navItems.sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
}

const allowed = (roles) => !roles || (user && user.roles.some((r) => roles.includes(r)));

// 'userchange' on window: layouts that depend on the person (the planner's desk) follow it.
export function setUser(u) { user = u; renderNav(); dispatchEvent(new Event('userchange')); }
export const currentUser = () => user;

function renderNav() {
  const el = document.getElementById('nav');
  if (!el) return;
  el.setAttribute('aria-label', t('nav.label'));
  const items = user ? navItems.filter((i) => allowed(i.roles)) : [];
  const here = location.pathname;
  el.innerHTML = String(html`<ul>${items.map((i) => html`<li><a href="${i.href}" data-testid="${i.testid}"
    ${here === i.href ? html`aria-current="page"` : ''}>${t(i.label)}</a></li>`)}</ul>`);
}

export function go(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  render();
}

export function render() {
  const main = document.getElementById('main');
  const path = location.pathname;
  let match = null;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m && (!r.auth || user) && allowed(r.roles)) { match = { r, m }; break; }
  }
  if (!user && (!match || match.r.auth)) {
    // Not logged in: the login screen, coming back here afterwards.
    const next = path === '/login' ? '/' : path + location.search;
    // The fragment stays in the fragment (a pairing code, gateway-link.js): never in `next`,
    // which a reload would send to the server.
    if (path !== '/login') history.replaceState(null, '', `/login?next=${encodeURIComponent(next)}${location.hash}`);
    match = { r: routes.find((r) => r.tag === 'lw-login'), m: [] };
  }
  main.replaceChildren();
  if (!match) {
    main.innerHTML = String(html`<h1>${t('not_found.title')}</h1><p>${t('not_found.text')}</p><p><a href="/">${t('not_found.home')}</a></p>`);
  } else {
    if (match.r.load && !customElements.get(match.r.tag)) {
      match.r.load().catch((error) => {
        console.error(`Lockwork: could not load ${match.r.tag}`, error);
        main.innerHTML = String(html`<h1 tabindex="-1">${t('load_failed.title')}</h1><p role="alert">${t('load_failed.text')}</p>`);
      });
    }
    const el = document.createElement(match.r.tag);
    match.r.names.forEach((n, i) => el.setAttribute(n, decodeURIComponent(match.m[i + 1])));
    main.append(el);
  }
  renderNav();
  // Move focus to the new screen for keyboard and screen-reader users.
  requestAnimationFrame(() => (main.querySelector('h1') || main).focus?.({ preventScroll: false }));
  scrollTo(0, 0);
}

export function start() {
  addEventListener('popstate', render);
  addEventListener('langchange', renderNav);
  // Same-origin links navigate inside the app.
  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[href]');
    if (!a || a.target || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    e.preventDefault();
    go(url.pathname + url.search);
  });
  render();
}
