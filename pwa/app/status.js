// Always visible: online or offline, unsynced changes, last sync, first-sync progress; and the
// notices under it: rejected changes with the server's reason and what to do, and a waiting update.
import { t, fmtTime, fmtDateTime, getLang } from './i18n.js';
import { html, esc, announce, delegate } from './ui.js';
import * as store from './store.js';
import { state, status, syncNow } from './sync.js';
import { activateUpdate } from './updates.js';

class SyncStatus extends HTMLElement {
  connectedCallback() {
    delegate(this, [['click', '.sync-now', 'syncNow']]);
    this.render = this.render.bind(this);
    status.addEventListener('change', this.render);
    addEventListener('langchange', this.render);
    this.render();
  }

  render() {
    const online = state.online && navigator.onLine;
    // Say it when the last unsynced change has reached the server (the bar itself is silent).
    if (this.shownPending > 0 && state.pending === 0 && !state.error) announce(t('sync.all_sent'));
    this.shownPending = state.pending;
    const last = state.lastSync
      ? t('sync.last', { time: new Date(state.lastSync).toDateString() === new Date().toDateString() ? fmtTime(state.lastSync) : fmtDateTime(state.lastSync) })
      : t('sync.never');
    const p = state.progress;
    this.innerHTML = String(html`
      <div class="status-row">
        <span class="net ${online ? 'on' : 'off'}" data-testid="net-status">${online ? t('sync.online') : t('sync.offline')}</span>
        <span class="pending" data-testid="pending-count">${t('sync.pending', { n: state.pending })}</span>
        <span class="last" data-testid="last-sync">${state.syncing ? t('sync.syncing') : last}</span>
        <button type="button" class="sync-now" data-testid="sync-now" aria-label="${t('sync.now')}" ${state.syncing ? 'disabled' : ''}>⟳</button>
      </div>
      ${p ? html`<div class="first-sync" data-testid="first-sync">
        <label for="first-sync-bar">${t('sync.first', { n: p.received, total: p.total ?? '…' })}</label>
        <progress id="first-sync-bar" max="${p.total || 1}" value="${Math.min(p.received, p.total || 0)}"></progress></div>` : ''}
      ${state.error ? html`<p class="sync-error" data-testid="sync-error">${errorText(state.error)}</p>` : ''}`);
    // The live region is outside innerHTML re-renders so that it is announced, not replaced.
  }

  syncNow() { syncNow(); }
}

function errorText(error) {
  return getLang() === 'sv' && error.body?.message_sv ? error.body.message_sv : (error.message || t('sync.failed'));
}

// What to do next after a rejection, by the server's error code.
function nextStep(problem) {
  const known = ['not_found', 'forbidden', 'transition_refused', 'lock_evidence_missing', 'conflict',
    'validation_failed', 'version_unsupported', 'invalid_arguments', 'unknown_mutation', 'cannot_apply',
    'order_exists', 'checklist_refused', 'withdrawal_too_late'];
  return t(`problem.next.${known.includes(problem.code) ? problem.code : 'other'}`);
}

class Notices extends HTMLElement {
  connectedCallback() {
    delegate(this, [['click', '[data-dismiss]', 'dismiss'], ['click', '[data-update]', 'update']]);
    this.render = this.render.bind(this);
    store.changes.addEventListener('change', this.render);
    status.addEventListener('change', this.render);
    addEventListener('langchange', this.render);
    this.render();
  }

  async render() {
    const problems = await store.problems();
    // "Open the order" only where the order is still on this phone (not after a reassignment).
    const held = new Set((await Promise.all(problems.map((p) => (p.order_id ? store.order(p.order_id) : null))))
      .filter(Boolean).map((o) => o.id));
    // Re-render only when something shown changes: a problem is an alert, and re-inserting it
    // on every sync would have screen readers announce it again and again.
    const signature = JSON.stringify([getLang(), problems.map((p) => p.id), [...held],
      state.updateWaiting && state.pending]);
    if (signature === this.signature) return;
    this.signature = signature;
    const reason = (p) => (getLang() === 'sv' && p.message_sv ? p.message_sv : p.message);
    this.innerHTML = String(html`
      ${problems.map((p) => html`<section class="notice problem" role="alert" data-testid="problem" aria-labelledby="p-${p.id}">
        <h2 id="p-${p.id}">${t('problem.title', { what: t(`mutation.${p.name}`), order: p.label ? `${p.label.reference} ${p.label.customer_name}` : '' })}</h2>
        <p data-testid="problem-reason">${reason(p)}</p>
        <p data-testid="problem-next"><strong>${t('problem.next')}</strong> ${nextStep(p)}</p>
        <div class="row">
          ${held.has(p.order_id) ? html`<a class="button secondary" href="/orders/${p.order_id}">${t('problem.open_order')}</a>` : ''}
          <button type="button" class="secondary" data-dismiss="${p.id}">${t('problem.dismiss')}</button>
        </div></section>`)}
      ${state.updateWaiting ? html`<section class="notice update" data-testid="update-waiting" aria-live="polite">
        <p>${state.pending ? t('update.waiting_outbox', { n: state.pending }) : t('update.ready')}</p>
        <button type="button" data-update ${state.pending ? 'disabled' : ''}>${t('update.now')}</button></section>` : ''}`);
  }

  dismiss(e, b) { store.dismissProblem(b.dataset.dismiss); }

  update() { activateUpdate(); }
}

customElements.define('lw-sync-status', SyncStatus);
customElements.define('lw-notices', Notices);
export { esc };
