// /admin: the administrator's start page, leading to users, organisations and the outbox.
import { t } from '../i18n.js';
import { html, delegate } from '../ui.js';
import { route, nav } from '../router.js';

const PARTS = [
  { href: '/admin/users', key: 'users', testid: 'admin-link-users' },
  { href: '/admin/organisations', key: 'organisations', testid: 'admin-link-organisations' },
  { href: '/admin/outbox', key: 'outbox', testid: 'admin-link-outbox' },
];

class AdminStart extends HTMLElement {
  connectedCallback() {
    delegate(this, []);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.render();
  }

  disconnectedCallback() { removeEventListener('langchange', this.onLang); }

  render() {
    this.innerHTML = String(html`<div class="admin">
      <h1 tabindex="-1">${t('admin.title')}</h1>
      <p>${t('admin.intro')}</p>
      <ul class="admin-links">${PARTS.map((p) => html`<li class="card">
        <a href="${p.href}" data-testid="${p.testid}" aria-describedby="admin-${p.key}-what">${t(`admin.${p.key}.title`)}</a>
        <p class="muted" id="admin-${p.key}-what">${t(`admin.${p.key}.what`)}</p></li>`)}</ul></div>`);
    document.title = `${t('admin.title')} – Lockwork`;
  }
}

customElements.define('lw-admin-start', AdminStart);
route('/admin', 'lw-admin-start', { roles: ['admin'] });
nav({ href: '/admin', label: 'nav.admin', roles: ['admin'], testid: 'nav-admin', order: 80 });
