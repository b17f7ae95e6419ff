// One order: what to do next at the bottom (log a call, book, start, complete), then the
// customer and contacts, description, checklist, lock, calls, messages and history.
import { actorName, t, tOr, getLang, fmtDateTime, fmtShortDay, fmtTime } from '../i18n.js';
import { html, Screen, statusLabel, kindLabel, mapLink, telLink, announce } from '../ui.js';
import { route, currentUser } from '../router.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { getJson } from '../api.js';
import { nextCall } from '../contact-plan.js';
import { RULES } from '../rules.js';
import { toInputValue, fromInputValue, today, local, addDays } from '../time.js';
import { suggestedStart } from '../booking-time.js';
import { photoForUpload } from '../photo.js';
import { flags } from './order-card.js';
import './lock-panel.js';

// The server's completion guard asks lock evidence of these kinds only (server/orders/lifecycle.py).
const EVIDENCE_KINDS = RULES.kinds_needing_lock_evidence;
// ... and where a written reason may close the order without it (the server flags the event).
const OVERRIDE_KINDS = RULES.kinds_allowing_evidence_override;

const OUTCOMES = ['reached', 'no_answer', 'busy', 'voicemail', 'wrong_number'];
const WHOM = ['customer', 'relative', 'provider', 'other'];
// Orders still looking for contact (server/orders/lifecycle.py).
const SEEKING_CONTACT = RULES.statuses_seeking_contact;
// A contact attempt's time must not be ahead of the server's clock (the server refuses
// attempts "in the future"); this margin absorbs the error of our estimate of its clock.
const CLOCK_MARGIN_MS = 5_000;
const DEFAULT_ESTIMATE_MINUTES = 60;
// How long "Sparat … Ångra" stays under the thumb after a call is logged: long enough to see a
// wrong tap and undo it, short enough not to sit over the next call's buttons. The server
// allows an undo for minutes (server/orders/call_withdrawal.py), so a slow tap still counts.
const UNDO_SHOWN_MS = 8_000;

// The order's booking code (seed 002), large: the resident compares it with the one in the
// booking letter before letting a stranger in. Read out character by character.
export function bookingCode(code) {
  const spoken = code.replace(/[^0-9A-Za-z]+/g, ' ').trim().split(' ').map((group) => group.split('').join(' ')).join(', ');
  return html`<div class="booking-code" data-testid="booking-code">
    <p class="booking-code-label">${t('booking.code')}</p>
    <p class="booking-code-value"><span aria-hidden="true" data-testid="booking-code-value">${code}</span><span class="visually-hidden">${spoken}</span></p>
    <p class="booking-code-hint">${t('booking.fitter_hint')}</p>
  </div>`;
}

class OrderDetail extends Screen {
  static events = [
    ['submit', '[data-form="call"]', 'logCall'],
    ['click', '[data-dial]', 'dial'],
    ['submit', '[data-form="book"]', 'book'],
    ['submit', '[data-form="hold-visit"]', 'hold'],
    ['submit', '[data-form="complete"]', 'complete'],
    ['submit', '[data-form="message"]', 'message'],
    ['click', '[data-act]', 'actButton'],
    ['click', '[data-undo-call]', 'undoCall'],
  ];

  get orderId() { return this.getAttribute('id'); }

  async view() {
    const d = await store.orderDetail(this.orderId);
    this.data = d;
    const o = d.order;
    if (!o) {
      return html`<h1 tabindex="-1">${t('detail.gone_title')}</h1>
        <p data-testid="order-gone">${t('detail.gone_text')}</p><p><a class="button secondary" href="/orders">${t('detail.back')}</a></p>`;
    }
    this.plan = nextCall(o, d.attempts);
    // During the visit the lock work (the evidence completion waits for) comes before the report.
    const lockPanel = store.FILTERS.open(o) && currentUser()?.roles.includes('fitter')
      ? html`<lw-lock-panel order-id="${o.id}"></lw-lock-panel>` : null;
    return html`
      <p class="back"><a href="/orders">← ${t('detail.back')}</a></p>
      <h1 tabindex="-1">${o.customer_name}</h1>
      <div data-region="summary" data-key="${o.version}-${o.status}-${o._pending || 0}">
        <p><span class="status s-${o.status}" data-testid="order-status">${statusLabel(o.status)}</span>
          · ${kindLabel(o.kind)} · <span class="ref">${o.reference}</span> ${flags(o)}</p>
        ${o.planned_start ? html`<p>${t('detail.booked_for', { time: fmtDateTime(o.planned_start) })}</p>` : ''}
        ${o.booking_code ? bookingCode(o.booking_code) : ''}
        ${o.due_on ? html`<p class="muted">${t('detail.due', { date: fmtShortDay(o.due_on) })}</p>` : ''}
        ${d.pending.length ? html`<p class="pending-note" data-testid="order-pending">${t('detail.pending', { n: d.pending.length })}</p>` : ''}
        <p class="print-link"><a class="button secondary" href="/orders/${o.id}/print" data-testid="print-order">${t('print.button')}</a></p>
      </div>
      ${lockPanel && o.status === 'in_progress' ? html`<div data-region="lock-panel-first" data-key="${o.id}" data-keep>${lockPanel}</div>` : ''}
      <section class="actions-panel" aria-labelledby="next-h" data-region="actions" data-key="${o.status}-${(o.allowed_actions || []).join()}-${o._awaiting_server ? 1 : 0}-${d.attempts.length}-${this.undoable()?.id || ''}-${this.undoneUntil > Date.now() ? 'u' : ''}">
        <h2 id="next-h">${t('detail.next_step')}</h2>
        ${this.actions(o, d)}
      </section>
      ${this.customerSection(o, d.customer)}
      <section aria-labelledby="desc-h" data-region="desc" data-key="${o.version}">
        <h2 id="desc-h">${t('detail.description')}</h2>
        <p class="prewrap">${o.description || t('detail.no_description')}</p>
        ${Object.keys(o.checklist || {}).length ? html`<h3>${t('detail.checklist')}</h3>
          <dl class="pairs" data-testid="checklist">${Object.entries(o.checklist).map(([k, v]) => html`<dt>${tOr(`checklist.${k}`, k)}</dt><dd>${tOr(`answer.${k}.${v}`, v)}</dd>`)}</dl>` : ''}
      </section>
      ${d.lock ? this.lockSection(d.lock) : ''}
      ${lockPanel && o.status !== 'in_progress' ? html`<div data-region="lock-panel" data-key="${o.id}" data-keep>${lockPanel}</div>` : ''}
      <section aria-labelledby="calls-h" data-region="calls" data-key="${d.attempts.map((a) => a.id + (a._pending ? 'p' : '')).join()}">
        <h2 id="calls-h">${t('detail.calls', { n: d.attempts.length })}</h2>
        ${d.attempts.length ? html`<ol class="log" data-testid="attempts">${d.attempts.map((a) => html`<li>
          <strong>${t(`outcome.${a.outcome}`)}</strong> · ${t(`whom.${a.to_whom}`)}${a.contact_name ? ` (${a.contact_name})` : ''}
          <span class="muted">${fmtDateTime(a.at)}</span>${a._pending ? html` <span class="flag pending">${t('flag.unsynced')}</span>` : ''}
          ${a.note ? html`<p class="prewrap">${a.note}</p>` : ''}</li>`)}</ol>` : html`<p class="muted">${t('detail.no_calls')}</p>`}
      </section>
      ${this.messagesSection(o, d.messages)}
      <section aria-labelledby="hist-h" data-region="history" data-key="${d.events.length}">
        <h2 id="hist-h">${t('detail.history')}</h2>
        <ol class="log" data-testid="history">${d.events.map((e) => html`<li>
          <span class="muted">${fmtDateTime(e.at)}</span> ${actorName(e.actor_name)}: ${tOr(`action.${e.action}`, e.action.replaceAll('_', ' '))}
          ${e.to_status && e.to_status !== e.from_status ? html` → ${statusLabel(e.to_status)}` : ''}
          ${e.flagged ? html` <span class="flag danger">${t('detail.flagged')}</span>` : ''}
          ${e.note ? html`<p class="prewrap">${e.note}</p>` : ''}</li>`)}</ol>
      </section>`;
  }

  // -- what to do next --------------------------------------------------------------------
  actions(o, d) {
    const allowed = o.allowed_actions || [];
    const parts = [];
    if (o._awaiting_server) {
      parts.push(html`<p class="notice-inline" data-testid="complete-waiting">${t('complete.waiting')}</p>`);
    }
    // A confirmed visit is not called about again; it may be moved (rebooked) if need be.
    const ready = o.status === 'ready_for_execution';
    if (SEEKING_CONTACT.includes(o.status) || (allowed.includes('schedule') && !ready)) parts.push(this.callForm(o, d));
    if (allowed.includes('schedule') && !ready) parts.push(this.bookForm(o));
    if (allowed.includes('confirm')) {
      parts.push(html`<button type="button" class="primary" data-act="order.confirm" data-testid="confirm">${t('act.confirm')}</button>`);
    }
    if (allowed.includes('start')) {
      // Started on the day of the visit (or later, if it was missed), not days before it.
      const visitDay = o.planned_start ? local(new Date(o.planned_start)).date : today();
      if (visitDay <= today()) {
        parts.push(html`<button type="button" class="primary big" data-act="order.start" data-testid="start-visit">${t('act.start')}</button>`);
      } else {
        parts.push(html`<p data-testid="start-later">${t('act.start_on_day', { date: fmtShortDay(visitDay) })}</p>`);
      }
    }
    if (ready && allowed.includes('schedule')) {
      parts.push(html`<details class="more-actions" data-testid="rebook"><summary>${t('book.rebook')}</summary>${this.bookForm(o)}</details>`);
    }
    if (allowed.includes('put_on_hold') && currentUser()?.roles.includes('fitter')) parts.push(this.holdForm(o));
    if (allowed.includes('complete')) {
      // A refused report comes back filled in, so the fitter only adds what was missing.
      const refused = d.problems.filter((p) => p.name === 'order.complete').sort((a, b) => b.at.localeCompare(a.at))[0];
      parts.push(this.completeForm(o, refused));
    }
    if (o.status === 'done' && o.completion && !o._awaiting_server) {
      parts.push(html`<p data-testid="completed">${t('complete.done', { date: fmtShortDay(o.completion.visit_on) })}</p>`);
    }
    if (!parts.length) parts.push(html`<p class="muted">${t('detail.nothing_to_do')}</p>`);
    return parts;
  }

  callForm(o, d) {
    const plan = this.plan;
    const phones = [[d.customer?.name || o.customer_name, d.customer?.phone, 'customer'],
      ...(d.customer?.contacts || []).map((c) => [c.name, c.phone, c.relation === 'relative' ? 'relative' : 'other']),
      [o.feedback_name || t('whom.provider'), o.feedback_phone, 'provider']]
      .filter(([, phone]) => phone);
    return html`<form class="call stack" data-form="call" aria-labelledby="call-h">
      <h3 id="call-h">${t('call.title')}</h3>
      ${plan.needed ? html`<p class="next-call" data-testid="next-call">${t('call.next', { time: fmtDateTime(plan.at), window: t(`window.${plan.window}`) })}
        ${plan.missed_days.length ? html`<br><span class="warn" data-testid="missed-days">${t('call.missed', { n: plan.missed_days.length })}</span>` : ''}</p>` : ''}
      <div class="row wrap">${phones.map(([name, phone, whom]) => html`<a class="button secondary" href="${telLink(phone)}"
        data-dial data-whom="${whom}" data-name="${name}" data-phone="${phone}">${t('call.dial', { name })}</a>`)}</div>
      <input type="hidden" name="contact_name"><input type="hidden" name="phone">
      <label for="call-whom">${t('call.whom')}</label>
      <select id="call-whom" name="to_whom">${WHOM.map((w) => html`<option value="${w}">${t(`whom.${w}`)}</option>`)}</select>
      <label for="call-note">${t('call.note')}</label>
      <textarea id="call-note" name="note" rows="2" maxlength="2000"></textarea>
      <fieldset class="outcome-bar"><legend>${t('call.outcome')}</legend>
        ${this.undoLine()}
        <div class="outcomes">${OUTCOMES.map((k) => html`<button type="submit" name="outcome" value="${k}" class="${k === 'reached' ? 'primary' : 'secondary'}" data-testid="outcome-${k}">${t(`outcome.${k}`)}</button>`)}</div>
      </fieldset>
    </form>`;
  }

  // The call just logged, while its undo is offered (and the call is still on the order).
  undoable() {
    const last = this.lastCall;
    if (!last || Date.now() >= last.until) return null;
    return (this.data?.attempts || []).find((a) => a.id === last.id) || null;
  }

  undoLine() {
    const call = this.undoable();
    if (!call) {
      return this.undoneUntil > Date.now()
        ? html`<p class="undo-line" data-testid="call-undone">${t('call.undone')}</p>` : '';
    }
    const outcome = t(`outcome.${call.outcome}`);
    const time = fmtTime(call.at);
    return html`<p class="undo-line" data-testid="call-saved"><span>${t('call.saved_at', { outcome, time })}</span>
      <button type="button" class="secondary" data-undo-call="${call.id}" data-testid="undo-call"
        aria-label="${t('call.undo_label', { outcome, time })}">${t('call.undo')}</button></p>`;
  }

  // Seed 002: an order that cannot be done now waits until an approximate date, and the
  // planner's queue shows it (and brings it back by itself when the date comes).
  holdForm(o) {
    return html`<details class="more-actions" data-testid="hold"><summary>${t('hold.title')}</summary>
      <form class="stack" data-form="hold-visit" aria-labelledby="hold-h">
        <h3 id="hold-h" class="visually-hidden">${t('hold.title')}</h3>
        <p class="muted">${t('hold.lead')}</p>
        <label for="hold-until">${t('hold.until')}</label>
        <input id="hold-until" name="hold_until" type="date" min="${addDays(today(), 1)}" aria-describedby="hold-error">
        <label for="hold-reason">${t('hold.reason')}</label>
        <textarea id="hold-reason" name="reason" rows="2" maxlength="2000"></textarea>
        <p class="error" id="hold-error" role="alert"></p>
        <button type="submit" class="secondary" data-testid="hold-submit">${t('hold.submit')}</button>
      </form></details>`;
  }

  bookForm(o) {
    const estimate = o.estimate_minutes || DEFAULT_ESTIMATE_MINUTES;
    const start = o.planned_start && o.status !== 'ready_for_execution' ? new Date(o.planned_start) : suggestedStart(estimate);
    return html`<form class="book stack" data-form="book" aria-labelledby="book-h">
      <h3 id="book-h">${o.planned_start ? t('book.rebook') : t('book.title')}</h3>
      <label for="book-start">${t('book.when')}</label>
      <input id="book-start" name="planned_start" type="datetime-local" required value="${toInputValue(start)}">
      <label for="book-estimate">${t('book.estimate')}</label>
      <input id="book-estimate" name="estimate_minutes" type="number" inputmode="numeric" min="5" max="1440" step="5" value="${estimate}">
      <label class="choice"><input type="checkbox" name="confirmed" checked> ${t('book.confirmed')}</label>
      <button type="submit" class="primary" data-testid="book">${t('book.submit')}</button>
    </form>`;
  }

  completeForm(o, refused = null) {
    const before = refused?.args?.completion;
    const c = before || {};
    const materials = (c.materials || []).map((m) => (m.quantity > 1 ? `${m.quantity} ${m.name}` : m.name)).join('\n');
    return html`<form class="complete stack" data-form="complete" aria-labelledby="complete-h">
      <h3 id="complete-h">${t('complete.title')}</h3>
      ${EVIDENCE_KINDS.includes(o.kind) ? html`<p class="muted" data-testid="complete-evidence-note">${t('complete.evidence')}</p>` : ''}
      ${refused ? html`<p class="notice-inline" data-testid="complete-refused">${t('complete.refused', { reason: getLang() === 'sv' && refused.message_sv ? refused.message_sv : refused.message })}</p>` : ''}
      <label for="c-done">${t('complete.work_done')}</label>
      <textarea id="c-done" name="work_done" rows="3" required maxlength="4000">${c.work_done || ''}</textarea>
      <label class="choice"><input type="checkbox" name="battery_replaced" ${(before ? c.battery_replaced : o.kind === 'battery') ? 'checked' : ''}> ${t('complete.battery')}</label>
      <label class="choice"><input type="checkbox" name="lock_replaced" ${c.lock_replaced ? 'checked' : ''}> ${t('complete.lock')}</label>
      <label for="c-materials">${t('complete.materials')}</label>
      <textarea id="c-materials" name="materials" rows="2" aria-describedby="c-materials-help">${materials}</textarea>
      <p id="c-materials-help" class="muted">${t('complete.materials_help')}</p>
      <label for="c-minutes">${t('complete.minutes')}</label>
      <input id="c-minutes" name="minutes_spent" type="number" inputmode="numeric" min="1" max="1440" required value="${c.minutes_spent || o.estimate_minutes || ''}">
      <label for="c-day">${t('complete.visit_on')}</label>
      <input id="c-day" name="visit_on" type="date" value="${c.visit_on || today()}" max="${today()}">
      ${OVERRIDE_KINDS.includes(o.kind) ? this.overrideField(c, refused) : ''}
      <p class="error" role="alert"></p>
      <button type="submit" class="primary big" data-testid="complete">${t('complete.submit')}</button>
    </form>`;
  }

  // When the lock cannot give its evidence (flat, broken, out of reach), the fitter closes with
  // a reason instead: offered right where the server's refusal is shown, open after one.
  overrideField(c, refused) {
    const open = refused?.code === 'lock_evidence_missing' || Boolean(c.override_reason);
    return html`<details class="override" data-testid="override" ${open ? 'open' : ''}>
      <summary>${t('complete.override_summary')}</summary>
      <label for="c-override">${t('complete.override_reason')}</label>
      <textarea id="c-override" name="override_reason" rows="2" maxlength="2000" aria-describedby="c-override-help">${refused?.args?.override_reason || ''}</textarea>
      <p id="c-override-help" class="muted">${t('complete.override_help')}</p>
      <label for="c-photo">${t('complete.photo')}</label>
      <input id="c-photo" name="override_photo" type="file" accept="image/jpeg,image/png,image/webp" capture="environment" aria-describedby="c-photo-help">
      <p id="c-photo-help" class="muted">${t('complete.photo_help')}</p>
    </details>`;
  }

  // -- the rest ---------------------------------------------------------------------------
  customerSection(o, c) {
    const address = c ? [c.street_address, [c.postal_code, c.city].filter(Boolean).join(' ')].filter(Boolean).join(', ') : o.customer_address;
    return html`<section aria-labelledby="cust-h" data-region="customer" data-key="${c?.updated_at || ''}">
      <h2 id="cust-h">${t('detail.customer')}</h2>
      <p><strong>${c?.name || o.customer_name}</strong><br>${address}
        <br><a href="${mapLink(address)}" target="_blank" rel="noopener">${t('day.map')}</a></p>
      ${c?.phone ? html`<p><a class="tel" href="${telLink(c.phone)}">${c.phone}</a></p>` : ''}
      ${c?.best_times || o.customer_best_times ? html`<p>${t('detail.best_times')}: ${c?.best_times || o.customer_best_times}</p>` : ''}
      ${c?.contacts?.length ? html`<h3>${t('detail.contacts')}</h3><ul class="contacts" data-testid="contacts">${c.contacts.map((k) => html`<li>
        <strong>${k.name}</strong> (${tOr(`relation.${k.relation}`, k.relation)})<br>
        <a class="tel" href="${telLink(k.phone)}">${k.phone}</a>
        ${k.best_times ? html`<br><span class="muted">${t('detail.best_times')}: ${k.best_times}</span>` : ''}</li>`)}</ul>` : ''}
      ${o.feedback_name || o.feedback_phone ? html`<h3>${t('detail.provider')}</h3><p>${o.feedback_name}
        ${o.feedback_phone ? html`<br><a class="tel" href="${telLink(o.feedback_phone)}">${o.feedback_phone}</a>` : ''}
        ${o.provider_best_times ? html`<br><span class="muted">${t('detail.best_times')}: ${o.provider_best_times}</span>` : ''}</p>` : ''}
    </section>`;
  }

  lockSection(lock) {
    return html`<section aria-labelledby="lock-h" data-region="lock" data-key="${lock._v}">
      <h2 id="lock-h">${t('detail.lock')}</h2>
      <dl class="pairs">
        <dt>${t('lock.serial')}</dt><dd>${lock.serial}</dd>
        ${lock.battery_percent != null ? html`<dt>${t('lock.battery')}</dt><dd>${lock.battery_percent} %</dd>` : ''}
        ${lock.last_seen_at ? html`<dt>${t('lock.last_seen')}</dt><dd>${fmtDateTime(lock.last_seen_at)}</dd>` : ''}
        ${lock.verified_by_lock ? html`<dt>${t('lock.verified')}</dt><dd>✓</dd>` : ''}
      </dl></section>`;
  }

  messagesSection(o, messages) {
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
        <textarea id="msg-body" name="body" rows="2" required maxlength="2000"></textarea>
        <button type="submit" class="secondary" data-testid="send-message">${t('message.send')}</button>
      </form></section>`;
  }

  // -- events (delegated from the screen: see ui.js) -------------------------------------
  afterRender(root) {
    if (root.querySelector('[data-testid="next-call"]')) this.serverNextCall();
  }

  // Dialling someone from here fills in whom the call was to, so the outcome is one tap.
  dial(e, a) {
    const form = a.closest('form');
    form.to_whom.value = a.dataset.whom;
    form.contact_name.value = a.dataset.name;
    form.phone.value = a.dataset.phone;
    form.to_whom.dispatchEvent(new Event('change', { bubbles: true })); // kept as typed
  }

  actButton(e, b) {
    this.act(b.dataset.act, { order_id: this.data.order.id }, t(`done.${b.dataset.act}`));
  }

  // Queue the mutation (with the form's draft, in one transaction) and say so.
  async act(name, args, message, form = null) {
    await store.mutate(name, args, this.data.order, { draft: form ? this.draftKey(form) : null });
    if (form) await this.sent(form);
    sync.changed();
    announce(message);
  }

  // The device's estimate of the server's clock, a little behind it (see CLOCK_MARGIN_MS).
  async serverNow() {
    const offset = (await store.meta('clock_offset_ms')) || 0;
    return new Date(Date.now() + offset - CLOCK_MARGIN_MS).toISOString();
  }

  async logCall(e, form) {
    const outcome = e.submitter?.value || 'no_answer';
    const args = {
      order_id: this.orderId, to_whom: form.to_whom.value, outcome, note: form.note.value.trim(), at: await this.serverNow(),
      contact_name: form.contact_name.value.slice(0, 200), phone: form.phone.value.replace(/[^0-9+()\- ]/g, '').slice(0, 40),
      attempt_id: crypto.randomUUID(),
    };
    // Shown under the thumb with an undo for a few seconds, then taken away by a refresh.
    this.lastCall = { id: args.attempt_id, until: Date.now() + UNDO_SHOWN_MS };
    this.refreshAfterUndoLine();
    await this.act('contact_attempt.add', args, t('call.saved', { outcome: t(`outcome.${outcome}`) }), form);
  }

  // The line under the outcome buttons goes by itself when its few seconds are over.
  refreshAfterUndoLine() {
    clearTimeout(this.undoTimer);
    this.undoTimer = setTimeout(() => this.isConnected && this.refresh(), UNDO_SHOWN_MS);
  }

  // The undo is a mutation like any other: queued, sent once, and the call is gone at once here.
  async undoCall(e, button) {
    const attemptId = button.dataset.undoCall;
    this.lastCall = null;
    this.undoneUntil = Date.now() + UNDO_SHOWN_MS;
    this.refreshAfterUndoLine();
    await store.mutate('contact_attempt.withdraw', { order_id: this.orderId, attempt_id: attemptId, at: await this.serverNow() }, this.data.order);
    sync.changed();
    announce(t('call.undone'));
  }

  async book(e, form) {
    if (!form.planned_start.value) { form.planned_start.focus(); return; }
    const args = { order_id: this.orderId, planned_start: fromInputValue(form.planned_start.value).toISOString() };
    const estimate = Number(form.estimate_minutes.value);
    if (estimate) args.estimate_minutes = estimate;
    const order = this.data.order;
    const confirmed = form.confirmed.checked;
    await store.mutate('order.schedule', args, order, { draft: this.draftKey(form) });
    // Seed 000: a time agreed on the phone is confirmed at once.
    if (confirmed) await store.mutate('order.confirm', { order_id: this.orderId }, order);
    await this.sent(form);
    sync.changed();
    announce(t('done.order.schedule'));
  }

  async hold(e, form) {
    const error = form.querySelector('.error');
    const until = form.hold_until.value;
    if (!until || until <= today()) { error.textContent = t('hold.need_date'); form.hold_until.focus(); return; }
    const args = { order_id: this.orderId, hold_until: until };
    const reason = form.reason.value.trim();
    if (reason) args.reason = reason;
    await this.act('order.put_on_hold', args, t('done.order.put_on_hold', { date: fmtShortDay(until) }), form);
  }

  async complete(e, form) {
    const error = form.querySelector('.error');
    const workDone = form.work_done.value.trim();
    const minutes = Number(form.minutes_spent.value);
    if (!workDone) { error.textContent = t('complete.need_work'); form.work_done.focus(); return; }
    if (!(minutes >= 1 && minutes <= 1440)) { error.textContent = t('complete.need_minutes'); form.minutes_spent.focus(); return; }
    const materials = form.materials.value.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
      const m = /^(\d+)\s*(?:x|st|pcs)?\s+(.+)$/i.exec(line);
      return m ? { name: m[2].slice(0, 200), quantity: Math.min(1000, Number(m[1]) || 1) } : { name: line.slice(0, 200), quantity: 1 };
    });
    const completion = {
      work_done: workDone, minutes_spent: minutes, battery_replaced: form.battery_replaced.checked,
      lock_replaced: form.lock_replaced.checked, materials,
    };
    if (form.visit_on.value) completion.visit_on = form.visit_on.value;
    const args = { order_id: this.orderId, completion };
    const override = form.override_reason?.value.trim();
    if (override) args.override_reason = override;
    // A photo may go with a completion closed without the lock: queued first, so the history
    // shows it before the completion it explains.
    const file = override ? form.override_photo?.files?.[0] : null;
    if (file) {
      let data;
      try {
        data = await photoForUpload(file);
      } catch {
        error.textContent = t('complete.photo_unreadable');
        form.override_photo.focus();
        return;
      }
      await store.mutate('photo.add', { order_id: this.orderId, photo_id: crypto.randomUUID(), purpose: 'evidence_override', data }, this.data.order);
    }
    await this.act('order.complete', args, t('complete.sent'), form);
  }

  async message(e, form) {
    const body = form.body.value.trim();
    if (!body) return;
    await this.act('message.add', { order_id: this.orderId, body }, t('message.sent'), form);
  }

  // Online and with nothing pending for this order, the server's own answer replaces ours.
  async serverNextCall() {
    if (!navigator.onLine || this.data.pending.length) return;
    try {
      const answer = await getJson(`/api/orders/${this.orderId}/next-call`);
      const el = this.querySelector('[data-testid="next-call"]');
      if (el && answer.needed && answer.at) {
        el.dataset.source = 'server';
        el.firstChild.textContent = t('call.next', { time: fmtDateTime(answer.at), window: t(`window.${answer.window}`) });
      }
    } catch { /* the local suggestion stands */ }
  }
}

customElements.define('lw-order-detail', OrderDetail);
route('/orders/:id', 'lw-order-detail', { roles: ['fitter', 'planner', 'admin'] });
