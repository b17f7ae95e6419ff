// "More": language, the signed-in person, log out.
import { t } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav, currentUser, setUser, go } from '../router.js';
import * as session from '../session.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { langSwitch, bindLangSwitch } from './login.js';
import * as push from '../push.js';
import './push-optin.js';

class Settings extends Screen {
  async view() {
    const user = currentUser();
    const pending = await store.pendingCount();
    return html`<h1 tabindex="-1">${t('settings.title')}</h1>
      <p>${t('settings.signed_in_as', { name: user?.full_name || user?.username || '' })}</p>
      ${langSwitch()}
      <lw-push-optin></lw-push-optin>
      <section class="card" aria-labelledby="logout-h">
        <h2 id="logout-h">${t('settings.logout')}</h2>
        ${pending ? html`<p class="warn">${t('settings.logout_pending', { n: pending })}</p>` : html`<p>${t('settings.logout_info')}</p>`}
        <button type="button" class="secondary" data-testid="logout" ${pending ? 'disabled' : ''}>${t('settings.logout')}</button>
      </section>`;
  }

  bind() {
    bindLangSwitch(this);
    this.querySelector('[data-testid="logout"]').addEventListener('click', async () => {
      sync.stopListening();
      // A shared phone must not get the previous person's notifications.
      await push.unsubscribe().catch(() => {});
      await session.logout();
      setUser(null);
      go('/login', { replace: true });
    });
  }
}

customElements.define('lw-settings', Settings);
route('/settings', 'lw-settings');
nav({ href: '/settings', label: 'nav.more', roles: null, testid: 'nav-more', order: 90 });
