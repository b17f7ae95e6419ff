// One order as home-care staff see it: where it is and what that means, the lock's state,
// what was ordered, the completion report once it is done, the messages (written offline too:
// `message.add` is a sync mutation) and the history.
import { t, tOr, fmtDateTime, fmtShortDay } from '../i18n.js';
import { html, Screen, statusLabel, kindLabel, announce } from '../ui.js';
import { route } from '../router.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { flags } from './order-card.js';
import { escalatedNow } from '../flags.js';
import { lockFacts } from './lock-status.js';

class OrdererOrder extends Screen {
  static events = [
    ['submit', '[data-form="message"]', 'message'],
    ['submit', '[data-form="cancel-order"]', 'cancel'],
    ['click', '[data-draft]', 'draftAction'],
  ];

  get orderId() { return this.getAttribute('id'); }

  async view() {
    const d = await store.orderDetail(this.orderId);
    this.data = d;
    const o = d.order;
    const placed = new URLSearchParams(location.search).has('placed');
    if (!o) {
      // Just placed and not pulled yet: it comes with the next sync (this screen refreshes).
      return placed
        ? html`<h1 tabindex="-1">${t('orderer.placed_title')}</h1><p role="status" data-testid="order-arriving">${t('orderer.arriving')}</p>`
        : html`<h1 tabindex="-1">${t('detail.gone_title')}</h1>
          <p data-testid="order-gone">${t('orderer.gone_text')}</p><p><a class="button secondary" href="/orders">${t('detail.back')}</a></p>`;
    }
    return html`
      <p class="back"><a href="/orders">← ${t('orderer.back')}</a></p>
      <h1 tabindex="-1">${o.customer_name}</h1>
      ${placed ? html`<p class="notice-inline ok" role="status" data-testid="order-placed">${t('orderer.placed', { reference: o.reference })}</p>` : ''}
      <div data-region="summary" data-key="${o.version}-${o.status}-${o._pending || 0}">
        <p><span class="status s-${o.status}" data-testid="order-status">${statusLabel(o.status)}</span>
          · ${kindLabel(o.kind)} · <span class="ref" data-testid="order-reference">${o.reference}</span> ${flags(o)}</p>
        <p data-testid="status-help">${o._queued ? html`<span data-testid="order-queued">${t('orderer.queued')}</span>` : this.statusHelp(o)}</p>
        ${escalatedNow(o) ? html`<p class="notice-inline warn" data-testid="escalated-help">${t('orderer.escalated_help')}</p>` : ''}
        <dl class="pairs">
          ${o.ordered_at ? html`<dt>${t('orderer.ordered')}</dt><dd>${fmtDateTime(o.ordered_at)}</dd>` : ''}
          ${o.due_on && store.FILTERS.open(o) ? html`<dt>${t('orderer.due')}</dt><dd>${fmtShortDay(o.due_on)}</dd>` : ''}
          ${o.assigned_fitter_name && store.FILTERS.open(o) ? html`<dt>${t('orderer.fitter')}</dt><dd data-testid="order-fitter">${o.assigned_fitter_name}</dd>` : ''}
          ${o.planned_start ? html`<dt>${t('orderer.visit')}</dt><dd data-testid="order-visit">${fmtDateTime(o.planned_start)}</dd>` : ''}
        </dl>
      </div>
      <div data-region="order-actions" data-key="${o.status}-${(o.allowed_actions || []).join()}-${o._pending || 0}">
        ${o.status === 'draft' ? this.draftActions(o) : (o.allowed_actions || []).includes('cancel') ? this.cancelForm() : ''}
      </div>
      ${o.completion ? this.completionSection(o.completion) : ''}
      <section aria-labelledby="lock-h" data-region="lock" data-key="${d.lock?._v || ''}">
        <h2 id="lock-h">${t('detail.lock')}</h2>
        ${d.lock ? lockFacts(d.lock) : html`<p class="muted">${t('orderer.no_lock')}</p>`}
      </section>
      <section aria-labelledby="desc-h" data-region="desc" data-key="${o.version}">
        <h2 id="desc-h">${t('orderer.what_ordered')}</h2>
        <p class="prewrap">${o.description || t('detail.no_description')}</p>
        ${Object.keys(o.checklist || {}).length ? html`<h3>${t('detail.checklist')}</h3>
          <dl class="stacked-pairs" data-testid="checklist">${Object.entries(o.checklist).map(([k, v]) => html`<dt>${tOr(`checklist.${k}`, k)}</dt><dd>${tOr(`answer.${k}.${v}`, v)}</dd>`)}</dl>` : ''}
        <dl class="stacked-pairs">
          ${o.customer_best_times ? html`<dt>${t('orderer.customer_best_times')}</dt><dd>${o.customer_best_times}</dd>` : ''}
          ${o.feedback_name || o.feedback_phone || o.feedback_email ? html`<dt>${t('new.feedback')}</dt><dd>${[o.feedback_name, o.feedback_phone, o.feedback_email].filter(Boolean).join(', ')}</dd>` : ''}
          ${o.provider_best_times ? html`<dt>${t('orderer.provider_best_times')}</dt><dd>${o.provider_best_times}</dd>` : ''}
        </dl>
      </section>
      ${this.messagesSection(d.messages)}
      <section aria-labelledby="hist-h" data-region="history" data-key="${d.events.length}">
        <h2 id="hist-h">${t('detail.history')}</h2>
        <ol class="log" data-testid="history">${d.events.map((e) => html`<li>
          <span class="muted">${fmtDateTime(e.at)}</span> ${e.actor_name || ''}: ${tOr(`action.${e.action}`, e.action.replaceAll('_', ' '))}
          ${e.to_status && e.to_status !== e.from_status ? html` → ${statusLabel(e.to_status)}` : ''}
          ${e.note ? html`<p class="prewrap">${e.note}</p>` : ''}</li>`)}</ol>
      </section>`;
  }

  // A draft (saved through another system's API) is sent as the order, or deleted.
  draftActions(o) {
    const allowed = o.allowed_actions || [];
    return html`<div class="stack" data-testid="draft-actions">
      ${allowed.includes('place') ? html`<button type="button" class="primary" data-draft="send" data-testid="draft-send">${t('orderer.draft.send')}</button>` : ''}
      ${allowed.includes('cancel') ? html`<button type="button" class="danger-button" data-draft="delete" data-testid="draft-delete">${t('orderer.draft.delete')}</button>` : ''}
    </div>`;
  }

  async draftAction(e, button) {
    const send = button.dataset.draft === 'send';
    if (send) await store.mutate('order.send_draft', { order_id: this.orderId }, this.data.order);
    else await store.mutate('order.cancel', { order_id: this.orderId, reason: t('orderer.draft.deleted_reason') }, this.data.order);
    sync.changed();
    announce(t(send ? 'orderer.draft.sent' : 'orderer.draft.deleted'));
  }

  // Staff cancel their own order while no visit is booked (afterwards the planner does).
  cancelForm() {
    return html`<details class="more-actions" data-testid="cancel-order"><summary>${t('orderer.cancel.title')}</summary>
      <form class="stack" data-form="cancel-order" aria-labelledby="cancel-h">
        <h2 id="cancel-h" class="visually-hidden">${t('orderer.cancel.title')}</h2>
        <label for="cancel-reason">${t('orderer.cancel.reason')}</label>
        <textarea id="cancel-reason" name="reason" rows="2" maxlength="2000" aria-describedby="cancel-error"></textarea>
        <p class="error" id="cancel-error" role="alert"></p>
        <button type="submit" class="danger-button" data-testid="cancel-submit">${t('orderer.cancel.submit')}</button>
      </form></details>`;
  }

  async cancel(e, form) {
    const reason = form.reason.value.trim();
    if (!reason) {
      form.querySelector('.error').textContent = t('orderer.cancel.need_reason');
      form.reason.focus();
      return;
    }
    await store.mutate('order.cancel', { order_id: this.orderId, reason }, this.data.order, { draft: this.draftKey(form) });
    await this.sent(form);
    sync.changed();
    announce(t('orderer.cancel.done'));
  }

  statusHelp(o) {
    const params = {
      time: fmtDateTime(o.planned_start), date: fmtShortDay(o.hold_until), reason: o.cancel_reason || '–',
      day: fmtShortDay(o.completion?.visit_on),
    };
    return tOr(`orderer.status_help.${o.status}`, '', params);
  }

  completionSection(c) {
    return html`<section aria-labelledby="done-h" data-region="completion" data-key="${c.reported_at}">
      <h2 id="done-h">${t('orderer.completion')}</h2>
      <dl class="pairs" data-testid="completion">
        <dt>${t('complete.visit_on')}</dt><dd>${fmtShortDay(c.visit_on)}</dd>
        <dt>${t('complete.work_done')}</dt><dd class="prewrap">${c.work_done}</dd>
        <dt>${t('complete.battery')}</dt><dd>${c.battery_replaced ? t('orderer.yes') : t('orderer.no')}</dd>
        <dt>${t('complete.lock')}</dt><dd>${c.lock_replaced ? t('orderer.yes') : t('orderer.no')}</dd>
        ${c.materials?.length ? html`<dt>${t('complete.materials')}</dt><dd>${c.materials.map((m) => `${m.quantity} × ${m.name}`).join(', ')}</dd>` : ''}
      </dl></section>`;
  }

  messagesSection(messages) {
    return html`<section aria-labelledby="msg-h">
      <h2 id="msg-h">${t('detail.messages')}</h2>
      <div data-region="messages" data-key="${messages.map((m) => m.id + (m._pending ? 'p' : '')).join()}">
        ${messages.length ? html`<ol class="log" data-testid="messages">${messages.map((m) => html`<li>
          <strong>${m.author_name}</strong> <span class="muted">${fmtDateTime(m.at)}</span>
          ${m._pending ? html` <span class="flag pending">${t('flag.unsynced')}</span>` : ''}<p class="prewrap">${m.body}</p></li>`)}</ol>`
          : html`<p class="muted">${t('detail.no_messages')}</p>`}
      </div>
      <form class="stack" data-form="message" data-region="message-form" data-key="">
        <label for="msg-body">${t('message.label')}</label>
        <textarea id="msg-body" name="body" rows="3" required maxlength="2000" aria-describedby="msg-help"></textarea>
        <p id="msg-help" class="muted">${t('orderer.message_help')}</p>
        <button type="submit" class="primary" data-testid="send-message">${t('message.send')}</button>
      </form></section>`;
  }

  // Delegated from the screen (ui.js): the form keeps working however often it is replaced.
  async message(e, form) {
    const body = form.body.value.trim();
    if (!body || !this.data?.order) return;
    await store.mutate('message.add', { order_id: this.orderId, body }, this.data.order, { draft: this.draftKey(form) });
    await this.sent(form);
    sync.changed();
    announce(t('message.sent'));
  }
}

customElements.define('lw-orderer-order', OrdererOrder);
route('/orders/:id', 'lw-orderer-order', { roles: ['orderer'] });
