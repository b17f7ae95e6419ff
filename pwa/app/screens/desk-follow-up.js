// The manual follow-up queue (issue 12, seed 002 "Manuell oppfølging"): the orders whose
// resident answered something other than a plain "OK" (manual_followup), then those still
// awaiting an answer (awaiting_response), each with what the resident wrote. The planner
// calls, then sends the order to execution, with or without a confirmation SMS, or books it
// anew; an order not worth waiting for goes to follow-up by hand. Below, the replies that
// matched no order awaiting one (a mistyped code, an old letter): read, then marked read.
import { t, fmtDateTime, fmtShortDay } from '../i18n.js';
import { html, Screen, announce, statusLabel, telLink } from '../ui.js';
import { local } from '../time.js';
import * as api from '../desk/api.js';
import { errorText } from '../desk/view.js';
import { channelLabel, replyItem } from '../desk/booking-view.js';

// Replies the queue's last part lists: those that belong to no order awaiting an answer.
const STRAY_OUTCOMES = ['unmatched', 'not_awaiting'];

class DeskFollowUp extends Screen {
  static events = [
    ['click', '[data-follow-act]', 'act'],
    ['click', '[data-reply-read]', 'replyRead'],
  ];

  connectedCallback() {
    this.stamp = 0;
    this.dataStamp = 0;
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      const [orders, replies, fitters] = await Promise.all([
        api.ordersIn(['manual_followup', 'awaiting_response']),
        api.unhandledReplies(),
        this.fitters || api.fitters(),
      ]);
      // Each order's booking (its replies, letter, reminders) and its resident's phone.
      const details = await Promise.all(orders.map((o) => Promise.all([
        api.booking(o.id).catch(() => null),
        api.customer(o.customer_id).catch(() => null),
      ])));
      this.bookings = new Map(orders.map((o, i) => [o.id, details[i][0]]));
      this.customers = new Map(orders.map((o, i) => [o.id, details[i][1]]));
      const byTime = (a, b) => String(a.planned_start || '').localeCompare(String(b.planned_start || '')) || a.reference.localeCompare(b.reference);
      this.followUp = orders.filter((o) => o.status === 'manual_followup').sort(byTime);
      this.awaiting = orders.filter((o) => o.status === 'awaiting_response').sort(byTime);
      this.strays = replies.filter((r) => STRAY_OUTCOMES.includes(r.outcome))
        .sort((a, b) => String(b.received_at).localeCompare(String(a.received_at)));
      this.fitters = fitters;
      this.loadError = null;
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  fitterName(id) { return this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'); }

  async view() {
    return html`<h1 tabindex="-1">${t('follow.title')}</h1>
      <p class="muted">${t('follow.intro')}</p>
      <div data-region="message" data-key="${this.stamp}">
        ${this.loadError ? html`<p class="error" role="alert" data-testid="follow-error">${this.loadError}</p>` : ''}
        ${this.message ? html`<p class="notice-inline ${this.messageKind || ''}" role="status" tabindex="-1" data-testid="follow-message">${this.message}</p>` : ''}
      </div>
      <section aria-labelledby="follow-h" data-region="follow-up" data-key="${this.dataStamp}">
        <h2 id="follow-h">${t('follow.manual.title', { n: this.followUp?.length ?? 0 })}</h2>
        ${this.orderList(this.followUp, 'follow-up-list', t('follow.manual.none'))}
      </section>
      <section aria-labelledby="awaiting-h" data-region="awaiting" data-key="${this.dataStamp}">
        <h2 id="awaiting-h">${t('follow.awaiting.title', { n: this.awaiting?.length ?? 0 })}</h2>
        ${this.orderList(this.awaiting, 'awaiting-list', t('follow.awaiting.none'))}
      </section>
      <section aria-labelledby="strays-h" data-region="strays" data-key="${this.dataStamp}">
        <h2 id="strays-h">${t('follow.strays.title', { n: this.strays?.length ?? 0 })}</h2>
        <p class="muted">${t('follow.strays.help')}</p>
        ${!this.strays ? html`<p>${t('loading')}</p>` : this.strays.length
          ? html`<ul class="replies" data-testid="stray-replies">${this.strays.map((r) => replyItem(r, { canMarkRead: true, showOrder: true }))}</ul>`
          : html`<p class="empty" data-testid="strays-empty">${t('follow.strays.none')}</p>`}
      </section>`;
  }

  orderList(orders, testid, none) {
    if (!orders) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    if (!orders.length) return html`<p class="empty" data-testid="${testid}-empty">${none}</p>`;
    return html`<ul class="cards follow-cards" data-testid="${testid}">${orders.map((o) => this.card(o))}</ul>`;
  }

  card(o) {
    const b = this.bookings.get(o.id);
    const c = this.customers.get(o.id);
    const allowed = o.allowed_actions || [];
    const replies = (b?.replies || []).slice().sort((x, y) => String(y.received_at).localeCompare(String(x.received_at)));
    const day = o.planned_start ? local(new Date(o.planned_start)).date : null;
    const letter = b?.letter;
    const headingId = `fu-${o.id}`;
    return html`<li class="card follow-card" data-testid="follow-${o.reference}" data-order-id="${o.id}">
      <h3 id="${headingId}" class="card-title"><a href="/desk/orders/${o.id}">${o.reference}</a> · ${o.customer_name}</h3>
      <p class="follow-facts">${statusLabel(o.status)}
        ${o.planned_start ? html` · ${t('follow.planned', { time: fmtDateTime(o.planned_start), name: this.fitterName(o.assigned_fitter_id) })}` : ''}
        ${b?.booking_code ? html` · ${t('booking.code')} <span class="code">${b.booking_code}</span>` : ''}
        ${b?.channel ? html` · ${channelLabel(b.channel)}` : ''}</p>
      ${c?.phone ? html`<p>${t('follow.call', { name: c.name })} <a class="tel" href="${telLink(c.phone)}">${c.phone}</a>
        ${c.best_times ? html`<span class="muted"> · ${t('detail.best_times')}: ${c.best_times}</span>` : ''}</p>` : ''}
      ${o.status === 'awaiting_response' && letter ? html`<p class="muted">${letter.printed_at
        ? t('follow.letter_printed', { time: fmtDateTime(letter.printed_at) }) : t('follow.letter_not_printed')}</p>` : ''}
      ${replies.length ? html`<h4 class="replies-h">${t('follow.replies')}</h4>
        <ul class="replies" data-testid="follow-replies">${replies.map((r) => replyItem(r, { canMarkRead: r.outcome !== 'confirmed' }))}</ul>`
        : html`<p class="muted" data-testid="follow-no-reply">${t('follow.no_reply')}</p>`}
      <div class="row wrap follow-actions">
        ${allowed.includes('follow_up_manually') ? html`<button type="button" data-follow-act="follow_up_manually" data-order-id="${o.id}"
          data-testid="follow-manually">${t('booking.follow_up.button')}</button>` : ''}
        ${allowed.includes('confirm') ? html`<button type="button" class="primary" data-follow-act="confirm" data-order-id="${o.id}"
          data-testid="follow-confirm">${t('desk.confirm.button')}</button>` : ''}
        ${o.status === 'manual_followup' && allowed.includes('confirm') ? html`<button type="button" data-follow-act="confirmation_sms" data-order-id="${o.id}"
          data-testid="follow-confirmation-sms">${t('booking.confirmation_sms.button')}</button>` : ''}
        ${allowed.includes('schedule') ? html`<a class="button" href="/desk/orders/${o.id}" data-testid="follow-rebook">${t('follow.rebook')}</a>` : ''}
        ${day ? html`<a class="button" href="/desk?view=day&date=${day}" data-testid="follow-board">${t('follow.board', { day: fmtShortDay(day) })}</a>` : ''}
      </div>
    </li>`;
  }

  orderById(id) {
    return [...(this.followUp || []), ...(this.awaiting || [])].find((o) => o.id === id);
  }

  async act(event, button) {
    const o = this.orderById(button.dataset.orderId);
    if (!o || button.disabled) return;
    button.disabled = true;
    const what = button.dataset.followAct;
    try {
      if (what === 'confirmation_sms') await api.confirmationSms(o);
      else await api.transition(o, { action: what });
      this.message = t(`follow.done.${what}`, { ref: o.reference });
      this.messageKind = 'ok';
    } catch (error) {
      this.message = `${o.reference}: ${errorText(error)}`;
      this.messageKind = 'warn';
    }
    await this.load();
    this.focusMessage();
  }

  async replyRead(event, button) {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await api.replyRead(button.dataset.replyRead);
      this.message = t('booking.reply.marked_read');
      this.messageKind = 'ok';
    } catch (error) {
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    this.focusMessage();
  }

  focusMessage() {
    const el = this.querySelector('[data-testid="follow-message"]');
    if (el) { el.focus(); announce(el.textContent); }
  }
}

customElements.define('lw-desk-follow-up', DeskFollowUp);
