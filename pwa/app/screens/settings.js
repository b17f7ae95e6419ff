// "More": language, the signed-in person, notifications, the fitter's calendar address,
// devices, log out.
import { t } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav, currentUser, setUser, go } from '../router.js';
import * as session from '../session.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { langSwitch, LANG_EVENT, chooseLang } from './login.js';
import * as push from '../push.js';
import './push-optin.js';
import './devices.js';
import './calendar-feed.js';

class Settings extends Screen {
  static events = [['click', '[data-testid="logout"]', 'logout'], LANG_EVENT];

  chooseLang = chooseLang;

  async view() {
    const user = currentUser();
    const pending = await store.pendingCount();
    // The parts that render themselves are kept across data changes (they fetch and hold
    // their own state); only the logout part follows the outbox.
    return html`<h1 tabindex="-1">${t('settings.title')}</h1>
      <p>${t('settings.signed_in_as', { name: user?.full_name || user?.username || '' })}</p>
      ${langSwitch()}
      <div data-region="push" data-key="push" data-keep><lw-push-optin></lw-push-optin></div>
      ${user?.roles?.includes('fitter') ? html`<div data-region="calendar-feed" data-key="calendar-feed" data-keep><lw-calendar-feed></lw-calendar-feed></div>` : ''}
      <div data-region="devices" data-key="devices" data-keep><lw-devices></lw-devices></div>
      <section class="card" aria-labelledby="logout-h" data-region="logout" data-key="${pending}">
        <h2 id="logout-h">${t('settings.logout')}</h2>
        ${pending ? html`<p class="warn">${t('settings.logout_pending', { n: pending })}</p>` : html`<p>${t('settings.logout_info')}</p>`}
        <button type="button" class="secondary" data-testid="logout" ${pending ? 'disabled' : ''}>${t('settings.logout')}</button>
      </section>`;
  }

  async logout() {
    sync.stopListening();
    // A shared phone must not get the previous person's notifications.
    await push.unsubscribe().catch(() => {});
    await session.logout();
    setUser(null);
    go('/login', { replace: true });
  }
}

customElements.define('lw-settings', Settings);
route('/settings', 'lw-settings');
nav({ href: '/settings', label: 'nav.more', roles: null, testid: 'nav-more', order: 90 });
