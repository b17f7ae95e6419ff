// <lw-lock-panel order-id="..">: the fitter's lock work on an order through the gateway's local
// API (contract B): pair the app with the gateway once (address + the 6-digit code it shows;
// the token is kept in IndexedDB), then wake, battery, pair, test and diagnose with progress.
// Battery and pairing results are evidence signed by the lock: the gateway uploads them, the
// server verifies them, and sync brings the lock's new fields; only then does the panel say
// "verified by lock". The apps paired with the gateway are listed, each revocable (a lost
// phone's token is removed here, from any other paired app, or on the gateway).
import { t, tOr, getLang, fmtDateTime, fmtShortDay } from '../i18n.js';
import { html, announce } from '../ui.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import {
  GatewayClient, GatewayError, DEFAULT_GATEWAY_URL, PANEL_OPERATIONS, appLabel, normaliseGatewayUrl, validPairingCode,
} from '../gateway.js';

const META_KEY = 'gateway'; // {url, token, gateway_id}
// Operations that carry lock-signed evidence to the server.
const EVIDENCE = ['battery', 'pair'];
const pickText = (sv, en) => (getLang() === 'sv' ? sv : en) || sv || en || '';
const errorText = (e) => (e instanceof GatewayError ? pickText(e.sv, e.en)
  : e?.message_sv || e?.message_en ? pickText(e.message_sv, e.message_en) : t('panel.error.unknown'));

// Per order, what the panel is doing, and the panel element showing it now: both survive the
// order screen rendering a new panel while an operation runs.
const runs = new Map();
const shown = new Map();

class LockPanel extends HTMLElement {
  get orderId() { return this.getAttribute('order-id'); }

  get run() {
    if (!runs.has(this.orderId)) runs.set(this.orderId, { op: null, error: null, kind: null, startV: 0, serial: '' });
    return runs.get(this.orderId);
  }

  connectedCallback() {
    this.pairValues = { url: '', code: '' };
    // Synced data changes often: only the progress and result part follows it (a full render
    // would wipe what the fitter is typing); a language switch renders everything again.
    this.onData = async () => { this.facts_ = await this.facts(); this.updateProgress(); };
    this.onLang = () => this.render();
    store.changes.addEventListener('change', this.onData);
    addEventListener('langchange', this.onLang);
    shown.set(this.orderId, this);
    this.checkGateway();
  }

  disconnectedCallback() {
    if (shown.get(this.orderId) === this) shown.delete(this.orderId);
    store.changes.removeEventListener('change', this.onData);
    removeEventListener('langchange', this.onLang);
  }

  async checkGateway() {
    this.config = await store.meta(META_KEY);
    this.gateway = null;
    this.gatewayError = null;
    this.apps = null;
    await this.render();
    if (!this.config?.token) return;
    try {
      const client = new GatewayClient(this.config.url, this.config.token);
      this.gateway = await client.status();
      this.apps = await client.pairedApps();
    } catch (error) {
      if (error.code === 'gateway_not_paired') {
        // The gateway forgot this app (its tokens were reset): pair again, saying why.
        await this.forgetToken(error);
        return;
      }
      this.gatewayError = error;
    }
    await this.render();
  }

  async forgetToken(reason = null) {
    await store.setMeta(META_KEY, { url: this.config?.url || DEFAULT_GATEWAY_URL, token: null });
    this.pairError = reason ? errorText(reason) : '';
    await this.checkGateway();
  }

  // The order, its lock (or the lock with the serial being worked on) from the synced data.
  async facts() {
    const order = await store.order(this.orderId);
    let lock = order?.lock_id ? await store.lock(order.lock_id) : null;
    const serial = this.run.serial || lock?.serial || '';
    if ((!lock || lock.serial !== serial) && serial) {
      lock = (await store.all('lock')).find((l) => l.serial === serial) || lock;
    }
    return { order, lock, serial };
  }

  async render() {
    const { order, lock, serial } = await this.facts();
    this.facts_ = { order, lock, serial };
    this.innerHTML = String(html`<section class="lock-panel card" aria-labelledby="panel-h" data-testid="lock-panel">
      <h2 id="panel-h">${t('panel.title')}</h2>
      ${this.config?.token ? this.connected(order, lock, serial) : this.pairForm()}
    </section>`);
    this.bind();
  }

  pairForm() {
    return html`<form class="stack" data-form="gateway-pair" novalidate>
      <p>${t('panel.pair_help')}</p>
      <label for="gw-url">${t('panel.address')}</label>
      <input id="gw-url" name="url" inputmode="url" autocomplete="off" autocapitalize="none" spellcheck="false"
        value="${this.pairValues.url || this.config?.url || DEFAULT_GATEWAY_URL}">
      <label for="gw-code">${t('panel.code')}</label>
      <input id="gw-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"
        aria-describedby="gw-code-help" data-testid="gateway-code" value="${this.pairValues.code}">
      <p id="gw-code-help" class="muted">${t('panel.code_help')}</p>
      <p class="error" role="alert" data-testid="gateway-error">${this.pairError || ''}</p>
      <button type="submit" class="primary" data-testid="gateway-pair" ${this.pairing ? 'disabled' : ''}>
        ${this.pairing ? t('panel.pairing') : t('panel.pair_gateway')}</button>
    </form>`;
  }

  connected(order, lock, serial) {
    const run = this.run;
    const running = run.op?.state === 'running' || run.starting;
    const gw = this.gateway;
    return html`
      <div data-testid="gateway-status" class="gateway-status">
        ${gw ? html`<p class="ok-text">${t('panel.gateway_ok', { id: String(gw.gateway_id).slice(0, 8), url: this.config.url })}</p>
          ${gw.queued_reports ? html`<p class="muted">${t('panel.queued', { n: gw.queued_reports })}</p>` : ''}
          ${gw.server_reachable === false ? html`<p class="warn">${t('panel.gateway_offline')}</p>` : ''}`
        : this.gatewayError ? html`<p class="error" role="alert" data-testid="gateway-unreachable">${errorText(this.gatewayError)}</p>`
          : html`<p class="muted">${t('panel.checking', { url: this.config.url })}</p>`}
        <div class="row wrap">
          <button type="button" class="secondary" data-gw="retry">${t('panel.check_again')}</button>
          <button type="button" class="secondary" data-gw="forget">${t('panel.change_gateway')}</button>
        </div>
        ${this.apps ? this.appsView(this.apps) : ''}
      </div>
      ${lock?.serial && order?.lock_id === lock.id ? html`<p>${t('panel.lock', { serial: lock.serial })}</p>`
        : html`<label for="lock-serial">${t('panel.serial')}</label>
          <input id="lock-serial" name="serial" autocapitalize="characters" autocomplete="off" value="${serial}"
            aria-describedby="lock-serial-help" data-testid="lock-serial">
          <p id="lock-serial-help" class="muted">${t('panel.serial_help')}</p>`}
      <div class="panel-ops" role="group" aria-label="${t('panel.operations')}">
        ${PANEL_OPERATIONS.map((kind) => html`<button type="button" class="${kind === 'wake' ? 'primary' : 'secondary'}" data-op="${kind}"
          data-testid="lock-op-${kind}" ${running || !gw ? 'disabled' : ''}>${t(`panel.op.${kind}`)}</button>`)}
      </div>
      ${this.progressView(run, lock)}`;
  }

  // The apps paired with the gateway (tokens): who they are, until when, and a way to revoke.
  appsView(apps) {
    const when = (v) => fmtShortDay(v);
    return html`<details class="paired-apps" data-testid="gateway-apps" ${this.appsOpen ? 'open' : ''}>
      <summary>${t('panel.apps.title', { n: apps.length })}</summary>
      <p class="muted">${t('panel.apps.help')}</p>
      <ul class="plain">${apps.map((app) => {
        const name = app.label || t('panel.apps.unnamed');
        return html`<li class="paired-app" data-testid="gateway-app" data-current="${app.current ? 'yes' : 'no'}">
          <p><strong>${name}</strong>${app.current ? html` <span class="flag">${t('panel.apps.this')}</span>` : ''}<br>
          <span class="muted">${t('panel.apps.dates', { paired: when(app.created_at), expires: when(app.expires_at) })}</span></p>
          <button type="button" class="secondary" data-revoke="${app.id}"
            aria-label="${t(app.current ? 'panel.apps.revoke_this_label' : 'panel.apps.revoke_label', { name })}">${t('panel.apps.revoke')}</button>
        </li>`;
      })}</ul>
      <p class="error" role="alert" data-testid="gateway-apps-error">${this.appsError ? errorText(this.appsError) : ''}</p>
    </details>`;
  }

  async revokeApp(id) {
    const app = (this.apps || []).find((a) => a.id === id);
    const client = new GatewayClient(this.config.url, this.config.token);
    try {
      await client.revokeApp(id);
    } catch (error) {
      if (error.code === 'gateway_not_paired') { await this.forgetToken(error); return; }
      this.appsError = error;
      await this.render();
      return;
    }
    this.appsError = null;
    if (app?.current) {
      // This app's own token: it is no longer paired, and says so where the code is typed.
      await this.forgetToken(new GatewayError('app_revoked', t('panel.apps.revoked_this'), t('panel.apps.revoked_this')));
      return;
    }
    announce(t('panel.apps.revoked', { name: app?.label || t('panel.apps.unnamed') }));
    this.appsOpen = true;
    await this.checkGateway();
    this.querySelector('[data-testid="gateway-apps"] summary')?.focus();
  }

  progressView(run, lock) {
    return html`<div class="op-progress" data-testid="lock-op" tabindex="-1">${this.progressParts(run, lock)}
      <ol class="log" aria-live="polite" aria-relevant="additions" data-testid="lock-op-progress">
        ${(run.op?.progress || []).map((s) => html`<li>${pickText(s.message_sv, s.message_en)}</li>`)}
      </ol>
      <div data-part="outcome">${this.outcomeParts(run, lock)}</div>
    </div>`;
  }

  stateOf(run) {
    return run.error ? 'error' : run.op?.state || (run.starting ? 'running' : 'idle');
  }

  progressParts(run) {
    const state = this.stateOf(run);
    return html`<div data-part="head">${run.kind ? html`<h3>${t(`panel.op.${run.kind}`)}: <span data-testid="lock-op-state" data-state="${state}">${t(`panel.state.${state}`)}</span></h3>` : ''}
      ${state === 'running' ? html`<progress aria-label="${t('panel.working')}"></progress>` : ''}</div>`;
  }

  outcomeParts(run, lock) {
    const op = run.op;
    return html`<div role="alert" data-testid="lock-op-error">${run.error ? html`<p class="error">${errorText(run.error)}</p>`
        : op?.state === 'failed' ? html`<p class="error">${errorText(op.error)}</p>` : ''}</div>
      ${op?.state === 'succeeded' ? html`<div data-testid="lock-op-result">${this.resultView(run, lock)}</div>` : ''}`;
  }

  // Follow the operation without rebuilding the panel: new progress lines are appended to the
  // live list (so a screen reader reads each once), the rest is replaced in place.
  updateProgress() {
    const box = this.querySelector('.op-progress');
    if (!box) return;
    const run = this.run;
    const { lock } = this.facts_ || {};
    const head = box.querySelector('[data-part="head"]');
    const fresh = document.createElement('div');
    fresh.innerHTML = String(this.progressParts(run, lock));
    if (head.innerHTML !== fresh.firstElementChild.innerHTML) head.replaceWith(fresh.firstElementChild);
    const list = box.querySelector('ol');
    const steps = run.op?.progress || [];
    if (list.children.length > steps.length) list.replaceChildren();
    for (const s of steps.slice(list.children.length)) {
      const li = document.createElement('li');
      li.textContent = pickText(s.message_sv, s.message_en);
      list.append(li);
    }
    const outcome = box.querySelector('[data-part="outcome"]');
    const next = String(this.outcomeParts(run, lock));
    if (outcome.dataset.html !== next) { outcome.innerHTML = next; outcome.dataset.html = next; }
    const busy = this.stateOf(run) === 'running';
    for (const b of this.querySelectorAll('[data-op]')) b.disabled = busy || !this.gateway;
  }

  resultView(run, lock) {
    const r = run.op.result || {};
    const lines = [];
    if (run.kind === 'wake') lines.push(t('panel.result.awake', { lock: r.name || r.short_serial || '' }));
    if (run.kind === 'battery') lines.push(t('panel.result.battery', { percent: r.percent, mv: r.voltage_mv }));
    if (run.kind === 'pair') lines.push(t('panel.result.paired', { serial: r.serial || '' }));
    if (run.kind === 'test') lines.push(r.ok ? t('panel.result.test_ok') : t('panel.result.test_failed', { status: r.status, fault: r.fault }));
    if (run.kind === 'diagnose') {
      lines.push(tOr(`panel.result.owner.${r.fault_owner}`, r.responsible || r.fault_owner || ''));
      // The gateway's advice is English only: Swedish readers get the line above.
      if (r.advice && getLang() === 'en') lines.push(r.advice);
    }
    const evidence = EVIDENCE.includes(run.kind) ? this.evidenceState(run, lock) : null;
    return html`${lines.map((l) => html`<p>${l}</p>`)}
      ${evidence === 'verified' ? html`<p class="flag ok" data-testid="lock-verified">✓ ${t('lockstatus.verified')}
        ${lock?.battery_verified_at && run.kind === 'battery' ? `(${fmtDateTime(lock.battery_verified_at)})` : ''}</p>` : ''}
      ${evidence === 'waiting' ? html`<p class="muted" data-testid="lock-verifying">${t('panel.verifying')}</p>` : ''}`;
  }

  // 'verified' once the server has checked the lock's signed report and sync brought it here:
  // the lock's row changed after the operation started and now carries the evidence.
  evidenceState(run, lock) {
    if (!lock || !(lock._v > run.startV)) return 'waiting';
    if (run.kind === 'battery') return lock.verified_by_lock && lock.battery_verified_at ? 'verified' : 'waiting';
    const order = this.facts_?.order;
    return lock.state === 'installed' && (!order || lock.customer_id === order.customer_id) ? 'verified' : 'waiting';
  }

  bind() {
    const form = this.querySelector('[data-form="gateway-pair"]');
    form?.addEventListener('submit', (e) => { e.preventDefault(); this.pairGateway(e.target); });
    form?.addEventListener('input', (e) => { if (e.target.name in this.pairValues) this.pairValues[e.target.name] = e.target.value; });
    this.querySelector('[data-gw="retry"]')?.addEventListener('click', () => this.checkGateway());
    this.querySelector('[data-gw="forget"]')?.addEventListener('click', () => this.forgetToken());
    this.querySelector('[data-testid="gateway-apps"]')?.addEventListener('toggle', (e) => { this.appsOpen = e.target.open; });
    for (const b of this.querySelectorAll('[data-revoke]')) b.addEventListener('click', () => this.revokeApp(b.dataset.revoke));
    const serial = this.querySelector('[name="serial"]');
    serial?.addEventListener('input', () => { this.run.serial = serial.value.trim().toUpperCase(); });
    for (const b of this.querySelectorAll('[data-op]')) b.addEventListener('click', () => this.operate(b.dataset.op));
  }

  async pairGateway(form) {
    let url;
    try {
      url = normaliseGatewayUrl(form.url.value);
    } catch (error) {
      this.pairError = errorText(error);
      await this.render();
      this.querySelector('#gw-url')?.focus();
      return;
    }
    const code = form.code.value.trim();
    if (!validPairingCode(code)) {
      this.pairError = t('panel.code_invalid');
      await this.render();
      this.querySelector('#gw-code')?.focus();
      return;
    }
    this.pairError = '';
    this.pairing = true;
    await this.render();
    try {
      const client = new GatewayClient(url);
      const answer = await client.pair(code, appLabel(await store.meta('user')));
      await store.setMeta(META_KEY, { url, token: answer.token, gateway_id: answer.gateway_id });
      announce(t('panel.paired_gateway', { id: answer.gateway_id }));
      this.pairing = false;
      this.pairValues = { url: '', code: '' };
      await this.checkGateway();
      this.querySelector('[data-op="wake"]')?.focus();
    } catch (error) {
      this.pairing = false;
      // 403/409/421 carry the gateway's own reason (another origin, a withdrawn code, an address).
      this.pairError = error.status === 401 || error.status === 400 ? t('panel.code_wrong')
        : error.status === 429 ? t('panel.code_throttled') : errorText(error);
      await this.render();
      this.querySelector('#gw-code')?.focus();
    }
  }

  async operate(kind) {
    const { lock, serial } = this.facts_ || (await this.facts());
    const run = this.run;
    if (!serial) {
      run.kind = kind;
      run.op = null;
      run.error = new GatewayError('serial_missing', 'Skriv låsets serienummer först (det står på etiketten).',
        'Type the lock\'s serial number first (it is on the label).');
      await this.render();
      this.querySelector('#lock-serial')?.focus();
      return;
    }
    Object.assign(run, { kind, op: null, error: null, starting: true, startV: lock?.serial === serial ? lock._v || 0 : 0 });
    await this.render();
    // The buttons are disabled while it runs: keep focus on the progress, which is read out.
    this.querySelector('.op-progress')?.focus();
    announce(t('panel.started', { what: t(`panel.op.${kind}`) }));
    const client = new GatewayClient(this.config.url, this.config.token);
    const orderId = this.orderId;
    const view = () => shown.get(orderId);
    try {
      await client.run(kind, {
        serial,
        orderId: this.orderId,
        onUpdate: (op) => { run.op = op; run.starting = false; view()?.updateProgress(); },
      });
      announce(run.op.state === 'succeeded' ? t('panel.succeeded', { what: t(`panel.op.${kind}`) }) : errorText(run.op.error));
      // The gateway uploads the lock's evidence; fetch what the server made of it.
      if (EVIDENCE.includes(kind) && run.op.state === 'succeeded') sync.changed();
    } catch (error) {
      run.error = error;
      run.starting = false;
      announce(errorText(error));
      if (error.code === 'gateway_not_paired') {
        await view()?.forgetToken(error);
        return;
      }
      if (error.code === 'gateway_unreachable' && view()) {
        Object.assign(view(), { gateway: null, gatewayError: error });
        await view().render();
        return;
      }
    }
    view()?.updateProgress();
  }
}

customElements.define('lw-lock-panel', LockPanel);
