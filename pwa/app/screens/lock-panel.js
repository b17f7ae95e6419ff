// <lw-lock-panel order-id="..">: the fitter's lock work on an order through the gateway's local
// API (contract B): pair the phone with the gateway once (<lw-gateway-pair>: scan the QR code
// it shows, or type its code; the token is kept in IndexedDB), then wake, battery, pair, test
// and diagnose. The panel speaks to the fitter: each operation shows its steps in plain words
// ("Håll telefonen nära låset", "Väcker låset…", "Läser batteriet…", "Klart") and what to do
// now; the gateway's own log (lock addresses, protocol steps) is only under "Detaljer".
// Battery and pairing results are evidence signed by the lock: the gateway uploads them, the
// server verifies them, and sync brings the lock's new fields; only then does the panel say
// "verified by lock". The apps paired with the gateway are listed, each revocable (a lost
// phone's token is removed here, from any other paired app, or on the gateway).
import { t, tOr, getLang, fmtDateTime, fmtShortDay, fmtTime } from '../i18n.js';
import { html, announce } from '../ui.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { GatewayClient, GatewayError, DEFAULT_GATEWAY_URL, PANEL_OPERATIONS } from '../gateway.js';
import {
  GATEWAY_META, gatewayErrorText, gatewayErrorDetail, pairingNotice,
} from './gateway-pair.js';

// Operations that carry lock-signed evidence to the server.
const EVIDENCE = ['battery', 'pair'];
const pickText = (sv, en) => (getLang() === 'sv' ? sv : en) || sv || en || '';
const errorText = gatewayErrorText;

// The plain steps of each operation, in order (texts `panel.stage.*`): the fitter holds the
// phone near the lock, the lock wakes, the operation's own work, done.
const STAGES = {
  wake: ['near', 'wake', 'done'],
  battery: ['near', 'wake', 'battery', 'done'],
  pair: ['near', 'wake', 'pair', 'done'],
  test: ['near', 'wake', 'test', 'done'],
  diagnose: ['near', 'wake', 'diagnose', 'done'],
};
// The gateway's progress steps (gateway/progress.py `Step`) -> the plain step they belong to;
// 'work' is the operation's own. Steps not listed (fetching a credential, disconnecting) move
// nothing: they may come at any point.
const NEAR = ['scan_listening', 'scan_heard_awake', 'scan_heard_asleep', 'scan_done', 'looking_for_lock', 'lock_not_heard_yet'];
const WAKE = ['touch_to_wake', 'press_pairing_button', 'still_waiting_for_wake', 'lock_awake', 'lock_asleep',
  'waiting_for_other_operation', 'found_lock', 'connecting', 'connect_retry', 'connected', 'link_lost',
  'bluetooth_pairing', 'bluetooth_paired', 'secure_session_opening', 'secure_session_open'];
const WORK = ['asking_one_time_code', 'sending_command', 'command_confirmed', 'presenting_pairing_ticket',
  'confirming_pairing', 'lock_paired', 'pairing_receipt_recovered', 'report_stored', 'pairing_receipt_stored',
  'unpair_receipt_stored', 'pushing_revocations', 'uploading_reports', 'reading_not_evidence'];
// Steps where the fitter must do something at the lock: what to do, in plain words.
const ACTIONS = {
  touch_to_wake: 'touch', still_waiting_for_wake: 'touch', lock_asleep: 'touch', lock_not_heard_yet: 'touch',
  press_pairing_button: 'button',
};
const stageOfStep = (step) => (NEAR.includes(step) ? 'near' : WAKE.includes(step) ? 'wake' : WORK.includes(step) ? 'work' : null);

// Where an operation is: {stages, current (index), action ('touch' | 'button' | null)}.
export function plainProgress(kind, op, starting = false) {
  const stages = STAGES[kind] || ['near', 'done'];
  const steps = op?.progress || [];
  let current = 0;
  for (const s of steps) {
    const stage = stageOfStep(s.step);
    const at = stage === 'work' ? stages.length - 2 : stages.indexOf(stage);
    if (at > current) current = at;
  }
  if (op?.state === 'succeeded') current = stages.length - 1;
  const last = steps.at(-1)?.step;
  const action = op?.state === 'running' || starting ? ACTIONS[last] || null : null;
  return { stages, current, action };
}

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
    // Synced data changes often: only the progress and result part follows it (a full render
    // would wipe what the fitter is typing); a language switch renders everything again.
    this.onData = async () => { this.facts_ = await this.facts(); this.updateProgress(); };
    this.onLang = () => this.render();
    // <lw-gateway-pair> paired this phone: the gateway is ready, the first step is waking.
    this.onPaired = async () => {
      await this.checkGateway();
      this.querySelector('[data-op="wake"]')?.focus();
    };
    store.changes.addEventListener('change', this.onData);
    addEventListener('langchange', this.onLang);
    this.addEventListener('gateway-paired', this.onPaired);
    shown.set(this.orderId, this);
    this.checkGateway();
  }

  disconnectedCallback() {
    if (shown.get(this.orderId) === this) shown.delete(this.orderId);
    store.changes.removeEventListener('change', this.onData);
    removeEventListener('langchange', this.onLang);
    this.removeEventListener('gateway-paired', this.onPaired);
  }

  async checkGateway() {
    this.config = await store.meta(GATEWAY_META);
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
    await store.setMeta(GATEWAY_META, { url: this.config?.url || DEFAULT_GATEWAY_URL, token: null });
    pairingNotice(reason ? errorText(reason) : '');
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
      ${this.config?.token ? this.connected(order, lock, serial) : html`<lw-gateway-pair></lw-gateway-pair>`}
    </section>`);
    this.bind();
  }

  connected(order, lock, serial) {
    const run = this.run;
    const running = run.op?.state === 'running' || run.starting;
    const gw = this.gateway;
    return html`
      <div data-testid="gateway-status" class="gateway-status">
        ${gw ? html`<p class="ok-text">${t('panel.gateway_ok')}</p>
          ${gw.queued_reports ? html`<p class="muted">${t('panel.queued', { n: gw.queued_reports })}</p>` : ''}
          ${gw.server_reachable === false ? html`<p class="warn">${t('panel.gateway_offline')}</p>` : ''}`
        : this.gatewayError ? html`<p class="error" role="alert" data-testid="gateway-unreachable">${errorText(this.gatewayError)}</p>`
          : html`<p class="muted">${t('panel.checking')}</p>`}
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
      ${this.progressView(run, lock)}
      ${this.detailsView(run)}`;
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
      // This app's own token: it is no longer paired, and says so where it pairs again.
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
      <div data-part="steps" data-testid="lock-op-progress">${this.stepsView(run)}</div>
      <p class="op-now visually-hidden" role="status" data-testid="lock-op-now">${this.nowText(run)}</p>
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

  // The operation's plain steps: done ones ticked, the current one marked, what the fitter
  // must do at the lock right under it.
  stepsView(run) {
    if (!run.kind) return '';
    const state = this.stateOf(run);
    const { stages, current, action } = plainProgress(run.kind, run.op, run.starting);
    const stopped = state === 'failed' || state === 'error';
    return html`<ol class="op-steps">${stages.map((stage, i) => {
      const mark = i < current || state === 'succeeded' ? 'done' : i === current && !stopped ? 'now' : i === current ? 'stopped' : 'todo';
      return html`<li class="op-step ${mark}" data-stage="${stage}" ${mark === 'now' ? html`aria-current="step"` : ''}>
        <span class="op-step-text">${t(`panel.stage.${stage}`)}</span>
        ${i === current && action ? html`<strong class="op-action" data-testid="lock-op-action">${t(`panel.action.${action}`)}</strong>` : ''}</li>`;
    })}</ol>`;
  }

  // One line for screen readers, read out when it changes: what is happening, or what to do,
  // now (the steps above show the same to the eye).
  nowText(run) {
    if (!run.kind) return '';
    const state = this.stateOf(run);
    if (state === 'succeeded') return t('panel.stage.done');
    if (state === 'failed' || state === 'error') return t('panel.now.failed');
    const { stages, current, action } = plainProgress(run.kind, run.op, run.starting);
    return action ? t(`panel.action.${action}`) : t(`panel.stage.${stages[current]}`);
  }

  outcomeParts(run, lock) {
    const op = run.op;
    const notEvidence = op?.state === 'succeeded' && run.kind === 'battery' && op.result?.counts_as_evidence === false;
    return html`<div role="alert" data-testid="lock-op-error">${run.error ? html`<p class="error">${errorText(run.error)}</p>`
        : op?.state === 'failed' ? html`<p class="error">${errorText(op.error)}</p>` : ''}</div>
      ${op?.state === 'succeeded' ? html`<div data-testid="lock-op-result">${this.resultView(run, lock)}
        ${notEvidence ? html`<p class="warn">${t('panel.result.not_evidence')}</p>` : ''}</div>` : ''}`;
  }

  // "Detaljer": the gateway and the operation as the gateway reports them (its log with the
  // lock's radio address and protocol steps, the result's fields, the error's code), for
  // whoever supports the fitter. Closed unless opened.
  detailsView(run) {
    const gw = this.gateway;
    return html`<details class="op-details" data-testid="lock-op-details" ${this.detailsOpen ? 'open' : ''}>
      <summary>${t('panel.details')}</summary>
      <dl class="pairs">
        <dt>${t('panel.details.gateway')}</dt><dd>${gw?.gateway_id || this.config?.gateway_id || '–'}</dd>
        <dt>${t('panel.details.address')}</dt><dd>${this.config?.url || ''}</dd>
        ${gw ? html`<dt>${t('panel.details.version')}</dt><dd>${gw.version}</dd>
          <dt>${t('panel.details.radio')}</dt><dd>${gw.radio}</dd>` : ''}
        ${this.gatewayError ? html`<dt>${t('panel.details.error')}</dt><dd>${gatewayErrorDetail(this.gatewayError)}</dd>` : ''}
      </dl>
      <h3>${t('panel.details.log')}</h3>
      <ol class="log" data-testid="lock-op-log">${(run.op?.progress || []).map((s) => html`<li>${this.logLine(s)}</li>`)}</ol>
      <div data-part="tech">${this.techView(run)}</div>
    </details>`;
  }

  logLine(s) {
    return `${s.at ? `${fmtTime(s.at)} ` : ''}${pickText(s.message_sv, s.message_en)}${s.step ? ` [${s.step}]` : ''}`;
  }

  techView(run) {
    const error = run.error || (run.op?.state === 'failed' ? run.op.error : null);
    const result = run.op?.state === 'succeeded' ? run.op.result || {} : null;
    const shorten = (v) => {
      const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return text.length > 48 ? `${text.slice(0, 24)}…` : text;
    };
    return html`${error ? html`<p>${t('panel.details.error')}: <code>${gatewayErrorDetail(error)}</code></p>` : ''}
      ${result ? html`<p>${t('panel.details.result')}:</p>
        <ul class="tech">${Object.entries(result).map(([k, v]) => html`<li><code>${k}: ${shorten(v)}</code></li>`)}</ul>` : ''}`;
  }

  // Follow the operation without rebuilding the panel: the steps and the result are replaced
  // in place when they change, the "now" line is rewritten only when its text changes (so a
  // screen reader reads each once), new log lines are appended under "Detaljer".
  updateProgress() {
    const box = this.querySelector('.op-progress');
    if (!box) return;
    const run = this.run;
    const { lock } = this.facts_ || {};
    const replace = (el, next) => {
      if (el && el.dataset.html !== next) { el.innerHTML = next; el.dataset.html = next; }
    };
    const head = box.querySelector('[data-part="head"]');
    const fresh = document.createElement('div');
    fresh.innerHTML = String(this.progressParts(run, lock));
    if (head.innerHTML !== fresh.firstElementChild.innerHTML) head.replaceWith(fresh.firstElementChild);
    replace(box.querySelector('[data-part="steps"]'), String(this.stepsView(run)));
    const now = box.querySelector('[data-testid="lock-op-now"]');
    const said = this.nowText(run);
    if (now.textContent !== said) now.textContent = said;
    replace(box.querySelector('[data-part="outcome"]'), String(this.outcomeParts(run, lock)));
    const list = this.querySelector('[data-testid="lock-op-log"]');
    const steps = run.op?.progress || [];
    if (list) {
      if (list.children.length > steps.length) list.replaceChildren();
      for (const s of steps.slice(list.children.length)) {
        const li = document.createElement('li');
        li.textContent = this.logLine(s);
        list.append(li);
      }
    }
    replace(this.querySelector('[data-part="tech"]'), String(this.techView(run)));
    const busy = this.stateOf(run) === 'running';
    for (const b of this.querySelectorAll('[data-op]')) b.disabled = busy || !this.gateway;
  }

  resultView(run, lock) {
    const r = run.op.result || {};
    const lines = [];
    if (run.kind === 'wake') lines.push(t('panel.result.awake', { lock: this.facts_?.serial || r.name || '' }));
    if (run.kind === 'battery') lines.push(t('panel.result.battery', { percent: r.percent }));
    if (run.kind === 'pair') lines.push(t('panel.result.paired', { serial: r.serial || '' }));
    if (run.kind === 'test') lines.push(r.ok ? t('panel.result.test_ok') : t('panel.result.test_failed'));
    if (run.kind === 'diagnose') {
      lines.push(tOr(`panel.result.owner.${r.fault_owner}`, t('panel.result.owner.unknown')));
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
    this.querySelector('[data-gw="retry"]')?.addEventListener('click', () => this.checkGateway());
    this.querySelector('[data-gw="forget"]')?.addEventListener('click', () => this.forgetToken());
    this.querySelector('[data-testid="gateway-apps"]')?.addEventListener('toggle', (e) => { this.appsOpen = e.target.open; });
    this.querySelector('[data-testid="lock-op-details"]')?.addEventListener('toggle', (e) => { this.detailsOpen = e.target.open; });
    for (const b of this.querySelectorAll('[data-revoke]')) b.addEventListener('click', () => this.revokeApp(b.dataset.revoke));
    const serial = this.querySelector('[name="serial"]');
    serial?.addEventListener('input', () => { this.run.serial = serial.value.trim().toUpperCase(); });
    for (const b of this.querySelectorAll('[data-op]')) b.addEventListener('click', () => this.operate(b.dataset.op));
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
