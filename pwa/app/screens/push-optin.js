// <lw-push-optin>: turn push notifications on or off for this device. The browser's permission
// prompt appears only after the person presses the button, never on load.
import { t, tOr, getLang } from '../i18n.js';
import { html, announce, delegate } from '../ui.js';
import { currentUser, go } from '../router.js';
import * as push from '../push.js';
import * as store from '../store.js';
import { NetworkError } from '../api.js';

// The service worker has no localStorage: keep the language where it can read it (IndexedDB),
// so a notification comes in the language the person chose.
const keepLang = () => store.setMeta('lang', getLang()).catch(() => {});
keepLang();
addEventListener('langchange', keepLang);

// A tapped notification in an app window that is already open: route there (sw.js).
if (typeof navigator !== 'undefined' && navigator.serviceWorker) {
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'open' && typeof e.data.url === 'string' && e.data.url.startsWith('/')) go(e.data.url);
  });
}

// Kept outside the element: the settings screen renders a new one on every data change.
const shown = { message: '', error: false, busy: false };

class PushOptin extends HTMLElement {
  connectedCallback() {
    delegate(this, [['click', '[data-testid="push-on"]', 'turnOn'], ['click', '[data-testid="push-off"]', 'turnOff']]);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.render();
  }

  disconnectedCallback() { removeEventListener('langchange', this.onLang); }

  async render() {
    const state = await push.state();
    const roles = currentUser()?.roles || [];
    const what = roles.includes('fitter') ? t('push.what_fitter') : t('push.what_orderer');
    this.innerHTML = String(html`<section class="card" aria-labelledby="push-h" data-testid="push-optin" data-state="${state}">
      <h2 id="push-h">${t('push.title')}</h2>
      <p>${what}</p>
      <p data-testid="push-state"><strong>${t(`push.state.${state}`)}</strong></p>
      ${state === 'off' ? html`<button type="button" class="primary" data-testid="push-on" ${shown.busy ? 'disabled' : ''}>${t('push.turn_on')}</button>` : ''}
      ${state === 'on' ? html`<button type="button" class="secondary" data-testid="push-off" ${shown.busy ? 'disabled' : ''}>${t('push.turn_off')}</button>` : ''}
      <p class="${shown.error ? 'error' : 'muted'}" role="status" aria-live="polite" data-testid="push-message">${shown.message}</p>
    </section>`);
  }

  turnOn() { this.change(true); }

  turnOff() { this.change(false); }

  async change(on) {
    shown.busy = true;
    shown.error = false;
    shown.message = on ? t('push.turning_on') : t('push.turning_off');
    await this.render();
    try {
      if (on) await push.subscribe(navigator.userAgent.includes('Android') ? 'Android' : 'browser');
      else await push.unsubscribe();
      shown.message = on ? t('push.done_on') : t('push.done_off');
    } catch (error) {
      shown.error = true;
      shown.message = error instanceof NetworkError ? t('push.offline')
        : tOr(`push.error.${error.code}`, t('push.error.failed'));
    }
    shown.busy = false;
    const live = document.querySelector('lw-push-optin') || this;
    await live.render();
    announce(shown.message);
    live.querySelector('button')?.focus();
  }
}

customElements.define('lw-push-optin', PushOptin);
