// <lw-calendar-feed> on "More", for fitters: a private calendar address of their visits that a
// phone's calendar subscribes to. The server shows the address once (it keeps only a hash), so
// the part shows it right after making or renewing it; renewing makes the old one stop working;
// turning it off makes it stop working without a new one. Online only.
import { t } from '../i18n.js';
import { html, announce, delegate } from '../ui.js';
import { request, postJson, ApiError, NetworkError } from '../api.js';

// Kept outside the element: a language switch renders a new one. `url` is the address made in
// this visit to the screen (it cannot be fetched again).
const shown = { url: '', error: '', confirming: '', busy: false, off: false };

// The same address for calendar apps (webcal:// is what phones open as "subscribe").
export const webcal = (url) => url.replace(/^https?:\/\//, 'webcal://');

class CalendarFeed extends HTMLElement {
  connectedCallback() {
    delegate(this, [
      ['click', '[data-make]', 'make'],
      ['click', '[data-ask]', 'ask'],
      ['click', '[data-confirm]', 'confirm'],
      ['click', '[data-cancel]', 'cancel'],
      ['click', '[data-copy]', 'copy'],
    ]);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.render();
  }

  disconnectedCallback() { removeEventListener('langchange', this.onLang); }

  render() {
    const asking = shown.confirming;
    this.innerHTML = String(html`<section class="card" aria-labelledby="cal-h" data-testid="calendar-feed">
      <h2 id="cal-h">${t('calfeed.title')}</h2>
      <p>${t('calfeed.what')}</p>
      ${shown.url ? html`<div class="cal-address" data-testid="calendar-feed-made">
        <label for="cal-url">${t('calfeed.address')}</label>
        <textarea id="cal-url" rows="3" readonly spellcheck="false" data-testid="calendar-feed-url" aria-describedby="cal-once">${shown.url}</textarea>
        <p class="row wrap"><button type="button" class="secondary" data-copy data-testid="calendar-feed-copy">${t('calfeed.copy')}</button>
          <a class="button primary" href="${webcal(shown.url)}" data-testid="calendar-feed-webcal">${t('calfeed.subscribe')}</a></p>
        <p class="muted" id="cal-once">${t('calfeed.once')}</p></div>`
        : shown.off ? html`<p class="ok-text" role="status" data-testid="calendar-feed-off">${t('calfeed.off_now')}</p>` : ''}
      ${shown.error ? html`<p class="error" role="alert" data-testid="calendar-feed-error">${shown.error}</p>` : ''}
      ${asking ? html`<p class="warn" id="cal-confirm">${t(asking === 'renew' ? 'calfeed.confirm_renew' : 'calfeed.confirm_off')}</p>
        <p class="row wrap"><button type="button" class="primary" data-confirm="${asking}" aria-describedby="cal-confirm"
          data-testid="calendar-feed-confirm" ${shown.busy ? 'disabled' : ''}>${t(asking === 'renew' ? 'calfeed.renew_yes' : 'calfeed.off_yes')}</button>
        <button type="button" class="secondary" data-cancel>${t('calfeed.cancel')}</button></p>`
        : html`<p class="row wrap">${shown.url
          ? html`<button type="button" class="secondary" data-ask="renew" data-testid="calendar-feed-renew">${t('calfeed.renew')}</button>`
          : html`<button type="button" class="primary" data-make data-testid="calendar-feed-make" ${shown.busy ? 'disabled' : ''}>${t('calfeed.make')}</button>`}
          <button type="button" class="secondary" data-ask="off" data-testid="calendar-feed-turn-off">${t('calfeed.off')}</button></p>
          ${shown.url ? '' : html`<p class="muted">${t('calfeed.make_note')}</p>`}`}
    </section>`);
  }

  problem(error) {
    if (error instanceof NetworkError) return t('calfeed.offline');
    if (error instanceof ApiError && error.status === 403) return t('calfeed.refused');
    return t('calfeed.failed');
  }

  async make() {
    if (shown.busy) return;
    shown.busy = true;
    this.render();
    try {
      const made = await postJson('/api/calendar-feed/');
      Object.assign(shown, { url: made.url, error: '', off: false });
      announce(t('calfeed.made'));
    } catch (error) {
      shown.error = this.problem(error);
    }
    shown.busy = false;
    shown.confirming = '';
    this.render();
    this.querySelector('#cal-url')?.focus();
  }

  ask(e, button) {
    shown.confirming = button.dataset.ask;
    this.render();
    this.querySelector('[data-confirm]')?.focus();
  }

  cancel() {
    shown.confirming = '';
    this.render();
  }

  async confirm(e, button) {
    if (button.dataset.confirm === 'renew') {
      await this.make();
      return;
    }
    shown.busy = true;
    this.render();
    try {
      await request('DELETE', '/api/calendar-feed/');
      Object.assign(shown, { url: '', error: '', off: true });
      announce(t('calfeed.off_now'));
    } catch (error) {
      shown.error = this.problem(error);
    }
    shown.busy = false;
    shown.confirming = '';
    this.render();
  }

  async copy() {
    let copied = false;
    try {
      await navigator.clipboard.writeText(shown.url);
      copied = true;
    } catch { /* no permission: the address is selected for copying by hand */ }
    if (!copied) this.querySelector('#cal-url')?.select();
    announce(copied ? t('calfeed.copied') : t('calfeed.copy_by_hand'));
  }
}

customElements.define('lw-calendar-feed', CalendarFeed);
