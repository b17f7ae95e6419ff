// /admin/outbox: e-mails, pushes and SMS that failed or wait, with why and how many tries;
// "Send again" puts a held or failed one back in the queue (the server allows nothing else),
// and the list is fetched again to show what the server did.
import { t, fmtDateTime } from '../i18n.js';
import { html, announce } from '../ui.js';
import { route } from '../router.js';
import * as api from './api.js';
import { AdminScreen, problemText } from './common.js';

// "attention" is the default: everything not yet delivered (failed, held, pending).
const VIEWS = ['attention', 'failed', 'held', 'pending', 'sent', 'all'];
const ATTENTION = ['failed', 'held', 'pending'];
const CHANNELS = ['email', 'push', 'sms'];
const RESENDABLE = ['failed', 'held']; // server/notify/outbox.py RESENDABLE_STATES

class AdminOutbox extends AdminScreen {
  static events = [
    ['click', '[data-reload]', 'reload'],
    ['click', '[data-view]', 'choose'],
    ['change', '[name="channel"]', 'chooseChannel'],
    ['click', '[data-resend]', 'resend'],
  ];

  get view_() { return this.state.view || 'attention'; }

  async load() {
    const view = this.view_;
    const channel = this.state.channel || null;
    const states = view === 'attention' ? ATTENTION : [view === 'all' ? null : view];
    const [summary, users, ...pages] = await Promise.all([
      api.outboxSummary(),
      this.state.names ? null : api.users(),
      ...states.map((s) => api.outbox(s, channel)),
    ]);
    if (users) this.state.names = Object.fromEntries(users.items.map((u) => [u.id, u.full_name]));
    this.state.summary = summary;
    this.state.messages = pages.flatMap((p) => p.items)
      .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    this.state.cut = pages.some((p) => p.total > p.items.length);
  }

  view() {
    const by = this.state.summary?.by_state || {};
    const count = (v) => (v === 'attention' ? ATTENTION.reduce((n, s) => n + (by[s] || 0), 0)
      : v === 'all' ? Object.values(by).reduce((n, c) => n + c, 0) : by[v] || 0);
    return html`<div class="admin">
      <p class="back"><a href="/admin">${t('admin.back')}</a></p>
      <h1 tabindex="-1">${t('admin.outbox.title')}</h1>
      <p>${t('admin.outbox.intro')}</p>
      <div class="filters" role="group" aria-label="${t('admin.outbox.show')}">
        ${VIEWS.map((v) => html`<button type="button" class="chip" data-view="${v}" data-testid="outbox-view-${v}"
          aria-pressed="${v === this.view_ ? 'true' : 'false'}">${t(`admin.outbox.view.${v}`)}
          ${this.state.summary ? html`<span class="count">${count(v)}</span>` : ''}</button>`)}
      </div>
      <div class="field admin-channel"><label for="ob-channel">${t('admin.outbox.channel')}</label>
        <select id="ob-channel" name="channel"><option value="">${t('admin.outbox.all_channels')}</option>
          ${CHANNELS.map((c) => html`<option value="${c}" ${c === this.state.channel ? 'selected' : ''}>${t(`admin.outbox.ch.${c}`)}</option>`)}
        </select></div>
      ${this.state.summary?.possible_duplicates ? html`<p class="warn">${t('admin.outbox.duplicates', { n: this.state.summary.possible_duplicates })}</p>` : ''}
      ${this.loadState()}
      ${this.state.actionError ? html`<p class="error" role="alert" data-testid="outbox-error">${this.state.actionError}</p>` : ''}
      ${this.state.cut ? html`<p class="warn">${t('admin.cut')}</p>` : ''}
      ${this.state.messages ? this.table() : ''}</div>`;
  }

  table() {
    const rows = this.state.messages;
    if (!rows.length) return html`<p class="empty" role="status" data-testid="outbox-empty">${t('admin.outbox.none')}</p>`;
    return html`<p class="muted" role="status">${t(rows.length === 1 ? 'admin.outbox.count_one' : 'admin.outbox.count', { n: rows.length })}</p>
    <table class="admin-table" data-testid="outbox">
      <caption class="visually-hidden">${t('admin.outbox.title')}</caption>
      <thead><tr><th scope="col">${t('admin.outbox.what')}</th><th scope="col">${t('admin.outbox.to')}</th>
        <th scope="col">${t('admin.outbox.state')}</th><th scope="col">${t('admin.outbox.attempts')}</th>
        <th scope="col">${t('admin.outbox.reason')}</th><th scope="col"><span class="visually-hidden">${t('admin.outbox.action')}</span></th></tr></thead>
      <tbody>${rows.map((m) => html`<tr data-testid="outbox-row" data-message-id="${m.id}" data-state="${m.state}">
        <th scope="row" data-label="${t('admin.outbox.what')}"><span class="flag">${t(`admin.outbox.ch.${m.channel}`)}</span>
          ${subject(m)}<br><span class="muted">${fmtDateTime(m.created_at)}</span></th>
        <td data-label="${t('admin.outbox.to')}">${this.recipient(m)}</td>
        <td data-label="${t('admin.outbox.state')}" data-testid="outbox-state">${stateText(m)}</td>
        <td data-label="${t('admin.outbox.attempts')}">${m.send_attempts}</td>
        <td data-label="${t('admin.outbox.reason')}" class="reason">${m.last_error || '–'}</td>
        <td>${RESENDABLE.includes(m.state) ? html`<button type="button" class="secondary" data-resend="${m.id}"
          data-testid="outbox-resend" aria-label="${t('admin.outbox.resend_x', { what: subject(m) })}"
          ${this.state.busy ? 'disabled' : ''}>${t('admin.outbox.resend')}</button>` : ''}</td></tr>`)}</tbody>
    </table>`;
  }

  recipient(m) {
    const r = m.recipients || {};
    if (m.channel === 'push') return this.state.names?.[r.user_id] || t('admin.outbox.someone');
    const list = (v) => (Array.isArray(v) ? v : v ? [v] : []);
    const cc = list(r.cc);
    return [list(r.to).join(', '), cc.length ? `${t('admin.outbox.cc')} ${cc.join(', ')}` : ''].filter(Boolean).join('; ') || '–';
  }

  async choose(e, button) {
    this.state.view = button.dataset.view;
    await this.reload();
    this.querySelector(`[data-view="${this.state.view}"]`)?.focus();
  }

  async chooseChannel(e, select) {
    this.state.channel = select.value;
    await this.reload();
    this.querySelector('[name="channel"]')?.focus();
  }

  async resend(e, button) {
    const id = button.dataset.resend;
    const message = this.state.messages.find((m) => m.id === id);
    this.state.busy = true;
    this.render();
    try {
      await api.resend(id);
      this.state.actionError = '';
      announce(t('admin.outbox.resent', { what: message ? subject(message) : '' }));
    } catch (error) {
      this.state.actionError = problemText(error);
    }
    this.state.busy = false;
    await this.reload();
    this.querySelector('h1')?.focus();
  }
}

function subject(m) {
  return m.subject || m.payload?.title || (m.body_text || '').split('\n')[0].slice(0, 80) || t('admin.outbox.no_subject');
}

function stateText(m) {
  const label = t(`admin.outbox.st.${m.state}`);
  const cls = { failed: 'danger', held: 'warn', pending: 'pending', sent: 'ok' }[m.state] || '';
  const when = m.state === 'pending' ? t('admin.outbox.next', { time: fmtDateTime(m.next_attempt_at) })
    : m.state === 'sent' && m.sent_at ? fmtDateTime(m.sent_at) : '';
  return html`<span class="flag ${cls}">${label}</span>${when ? html`<br><span class="muted">${when}</span>` : ''}`;
}

customElements.define('lw-admin-outbox', AdminOutbox);
route('/admin/outbox', 'lw-admin-outbox', { roles: ['admin'] });
