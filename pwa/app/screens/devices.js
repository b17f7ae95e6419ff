// <lw-devices> on "More": the person's devices (gateways acting for them with a device token),
// when each was last used, and revoking one, which also revokes every token it made. The list is
// the server's and is not kept on the phone: offline, the part says so. With a `user-id`
// attribute (the administrator's user screen) it lists and revokes that user's devices.
import { t, fmtDateTime } from '../i18n.js';
import { html, announce, delegate } from '../ui.js';
import { getJson, request, NetworkError } from '../api.js';

// Kept outside the element, per user shown: a language switch renders a new one.
const states = new Map();
function stateOf(userId) {
  if (!states.has(userId)) states.set(userId, { devices: null, error: '', confirming: null, busy: false });
  return states.get(userId);
}

class Devices extends HTMLElement {
  connectedCallback() {
    delegate(this, [
      ['click', '[data-revoke]', 'ask'],
      ['click', '[data-confirm]', 'revoke'],
      ['click', '[data-cancel]', 'cancel'],
      ['click', '[data-reload]', 'load'],
    ]);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.render();
    this.load();
  }

  disconnectedCallback() { removeEventListener('langchange', this.onLang); }

  get userId() { return this.getAttribute('user-id') || ''; }

  async load() {
    const shown = stateOf(this.userId);
    try {
      shown.devices = await getJson(this.userId ? `/api/devices/?user_id=${encodeURIComponent(this.userId)}` : '/api/devices');
      shown.error = '';
    } catch (error) {
      shown.error = error instanceof NetworkError ? t('devices.offline') : t('devices.failed');
    }
    this.render();
  }

  render() {
    const shown = stateOf(this.userId);
    const active = (shown.devices || []).filter((d) => !d.revoked);
    this.innerHTML = String(html`<section class="card" aria-labelledby="devices-h" data-testid="devices">
      <h2 id="devices-h">${t('devices.title')}</h2>
      <p>${this.userId ? t('devices.help_admin') : t('devices.help')}</p>
      ${shown.error ? html`<p class="error" role="status" data-testid="devices-error">${shown.error}
        <button type="button" class="secondary" data-reload>${t('devices.reload')}</button></p>` : ''}
      ${shown.devices && !active.length ? html`<p class="muted" data-testid="no-devices">${t('devices.none')}</p>` : ''}
      <ul class="plain devices" data-testid="device-list">${active.map((d) => html`<li data-testid="device" data-device-id="${d.id}">
        <strong>${d.name}</strong>
        <span class="muted">${t('devices.created', { time: fmtDateTime(d.created_at) })} ·
          ${d.last_used_at ? t('devices.last_used', { time: fmtDateTime(d.last_used_at) }) : t('devices.never_used')}</span>
        ${shown.confirming === d.id ? html`<span class="warn" id="confirm-${d.id}">${t('devices.confirm', { name: d.name })}</span>
          <span class="row wrap"><button type="button" class="primary" data-confirm="${d.id}" data-testid="device-revoke-confirm"
            aria-describedby="confirm-${d.id}" ${shown.busy ? 'disabled' : ''}>${t('devices.confirm_yes')}</button>
          <button type="button" class="secondary" data-cancel>${t('devices.cancel')}</button></span>`
          : html`<button type="button" class="secondary" data-revoke="${d.id}" data-testid="device-revoke"
            aria-label="${t('devices.revoke_x', { name: d.name })}">${t('devices.revoke')}</button>`}</li>`)}</ul>
    </section>`);
  }

  ask(e, button) {
    const shown = stateOf(this.userId);
    shown.confirming = button.dataset.revoke;
    this.render();
    this.querySelector('[data-confirm]')?.focus();
  }

  cancel() {
    const shown = stateOf(this.userId);
    shown.confirming = null;
    this.render();
  }

  async revoke(e, button) {
    const shown = stateOf(this.userId);
    const device = (shown.devices || []).find((d) => d.id === button.dataset.confirm);
    if (!device || shown.busy) return;
    shown.busy = true;
    this.render();
    try {
      await request('DELETE', `/api/devices/${device.id}`);
      shown.confirming = null;
      announce(t('devices.revoked', { name: device.name }));
    } catch (error) {
      shown.error = error instanceof NetworkError ? t('devices.offline') : t('devices.failed');
    }
    shown.busy = false;
    await this.load();
  }
}

customElements.define('lw-devices', Devices);
