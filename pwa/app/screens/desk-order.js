// One order at the planner's desk: assign, reassign or unassign; plan or reschedule (the
// "Planera" form: the keyboard's way to do what dragging does on the board); send to
// execution; put on hold until a date, optionally unassigning (seed 002); resume; cancel with
// a reason. Only what the order's status allows is offered, and a refusal is shown in words.
// Its booking (issue 12, seed 002): the code, the channel, the letter, the resident's replies
// and the reminders; lock the appointment, make its letter or send its SMS, follow up
// manually, confirm with a confirmation SMS. Where it came from (issue 13: the home-care
// staff's checklist, a fault report, a recurring schedule, the automatic battery rule), the
// group whose queue it waits in and the assignment rule that placed it.
import { actorName, t, tOr, fmtDateTime, fmtShortDay, fmtTime } from '../i18n.js';
import { html, Screen, announce, kindLabel, statusLabel } from '../ui.js';
import { local, today } from '../time.js';
import { currentUser } from '../router.js';
import * as api from '../desk/api.js';
import { DEFAULT_ESTIMATE_MINUTES, startAt } from '../desk/plan.js';
import { Refused, clashWarning, errorText, flagsOf, planRefusal, proposal, send } from '../desk/view.js';
import { CHANNELS, channelLabel, refusalText, replyItem } from '../desk/booking-view.js';
import { groupName, originText } from '../desk/routing-view.js';

const CLOSED = ['done', 'cancelled'];

class DeskOrder extends Screen {
  static events = [
    ['submit', '[data-form="assign"]', 'assign'],
    ['submit', '[data-form="plan"]', 'plan'],
    ['submit', '[data-form="hold"]', 'hold'],
    ['submit', '[data-form="cancel"]', 'cancel'],
    ['submit', '[data-form="forward"]', 'forward'],
    ['click', '[data-act="confirm"]', 'confirm'],
    ['click', '[data-act="resume"]', 'resume'],
    ['click', '[data-act="plan-anyway"]', 'planAnyway'],
    ['click', '[data-act="plan-cancel"]', 'planCancel'],
    ['keydown', '[data-testid="clash-warning"]', 'clashKey'],
    ['click', '[data-act="lock-order"]', 'lockOrder'],
    ['click', '[data-act="make-letter"]', 'makeLetter'],
    ['click', '[data-act="send-booking-sms"]', 'sendBookingSms'],
    ['click', '[data-act="follow-up"]', 'followUp'],
    ['click', '[data-act="confirmation-sms"]', 'confirmationSms'],
    ['click', '[data-reply-read]', 'replyRead'],
  ];

  get orderId() { return this.getAttribute('id'); }

  connectedCallback() {
    this.stamp = 0;
    this.dataStamp = 0; // the data's regions are replaced when it changes, not on a message
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      const [order, fitters, events, forwards, colleagues] = await Promise.all([
        api.order(this.orderId), this.fitters || api.fitters(), api.events(this.orderId),
        api.forwards(this.orderId), this.colleagues || api.colleagues(),
      ]);
      Object.assign(this, { order, fitters, events, forwards, colleagues, loadError: null });
      // The booking is read apart: an order without one, or a server without the booking
      // API, still opens with everything else.
      this.booking = await api.booking(this.orderId).catch(() => null);
      // The fitter groups, to name the one the order waits with (issue 13); an administrator
      // names the performing company. Read apart too: without them the order still opens.
      const grouped = order.assigned_group_id || events.some((e) => e.action === 'auto_assign' && e.changes?.group);
      this.groups = grouped ? await api.routingList('groups', this.isAdmin ? order.performing_organisation_id : null).catch(() => null) : null;
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  fitterName(id) { return this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'); }

  get isAdmin() { return Boolean(currentUser()?.roles.includes('admin')); }

  // Where the order came from, the group it waits with and the rule that placed it (issue 13).
  routingFacts(o) {
    return html`<dt>${t('routing.fact.origin')}</dt><dd data-testid="desk-order-origin">${originText(o)}</dd>
      ${o.assigned_group_id ? html`<dt>${t('routing.fact.group')}</dt><dd data-testid="desk-order-group">${groupName(this.groups, o.assigned_group_id)}</dd>` : ''}
      <dt>${t('routing.fact.placed')}</dt><dd data-testid="desk-order-rule">${o.assignment_rule ? t('routing.placed_by', { rule: o.assignment_rule })
        : t(o.assigned_fitter_id || o.assigned_group_id ? 'routing.placed_by_hand' : 'routing.placed_nowhere')}</dd>`;
  }

  // An event's line in the history: an automatic placement says where it sent the order.
  eventText(e) {
    const said = tOr(`action.${e.action}`, e.action.replaceAll('_', ' '));
    if (e.action !== 'auto_assign') return said;
    const c = e.changes || {};
    const to = c.to ? this.fitterName(c.to) : c.group ? t('routing.group_named', { name: groupName(this.groups, c.group) }) : '';
    return to && c.rule ? t('routing.event.auto_assign', { to, rule: c.rule }) : said;
  }

  async view() {
    const o = this.order;
    if (!o) {
      return html`<p class="back"><a href="/desk">← ${t('desk.back')}</a></p><h1 tabindex="-1">${t('desk.order')}</h1>
        ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : html`<p>${t('loading')}</p>`}`;
    }
    const allowed = o.allowed_actions || [];
    const open = !CLOSED.includes(o.status);
    const back = `/desk?view=week&date=${o.planned_start ? local(new Date(o.planned_start)).date : today()}`;
    return html`<p class="back"><a href="${back}" data-testid="back-to-board">← ${t('desk.back')}</a></p>
      <h1 tabindex="-1">${o.reference} · ${o.customer_name}</h1>
      <div data-region="facts" data-key="${this.dataStamp}" data-keep>
        <dl class="pairs" data-testid="desk-order-facts">
          <dt>${t('desk.fact.status')}</dt><dd data-testid="desk-order-status">${statusLabel(o.status)} ${flagsOf(o)}</dd>
          <dt>${t('desk.fact.kind')}</dt><dd>${kindLabel(o.kind)}</dd>
          <dt>${t('desk.fact.address')}</dt><dd>${o.customer_address}</dd>
          <dt>${t('desk.fact.fitter')}</dt><dd data-testid="desk-order-fitter">${o.assigned_fitter_id ? this.fitterName(o.assigned_fitter_id) : t('desk.no_fitter')}</dd>
          ${this.routingFacts(o)}
          <dt>${t('desk.fact.planned')}</dt><dd data-testid="desk-order-planned">${o.planned_start ? t('desk.planned_value', { time: fmtDateTime(o.planned_start), n: o.estimate_minutes || DEFAULT_ESTIMATE_MINUTES }) : t('desk.no_time')}</dd>
          <dt>${t('desk.fact.due')}</dt><dd>${o.due_on ? fmtShortDay(o.due_on) : '–'}</dd>
          ${o.cancel_reason ? html`<dt>${t('desk.fact.cancel_reason')}</dt><dd>${o.cancel_reason}</dd>` : ''}
        </dl>
      </div>
      ${this.bookingSection(o, this.booking)}
      <div data-region="message" data-key="${this.stamp}">
        ${this.message ? html`<p class="notice-inline ${this.messageKind || ''}" role="status" tabindex="-1" data-testid="desk-message">${this.message}</p>` : ''}
        ${this.pending ? clashWarning(this.pending, this.fitterName(this.pending.fitterId)) : ''}
      </div>
      <div class="desk-actions" data-region="actions" data-key="${this.dataStamp}" data-keep>
        ${open ? this.assignForm(o) : ''}
        ${allowed.includes('schedule') ? this.planForm(o) : ''}
        ${this.bookingActions(o, this.booking)}
        ${allowed.includes('confirm') ? html`<section aria-labelledby="confirm-h" class="card">
          <h2 id="confirm-h">${t('desk.confirm.title')}</h2><p class="muted">${t('desk.confirm.help')}</p>
          <button type="button" class="primary" data-act="confirm" data-testid="desk-confirm">${t('desk.confirm.button')}</button></section>` : ''}
        ${allowed.includes('resume') ? html`<section aria-labelledby="resume-h" class="card">
          <h2 id="resume-h">${t('desk.resume.title')}</h2>
          <button type="button" class="primary" data-act="resume" data-testid="desk-resume">${t('desk.resume.button')}</button></section>` : ''}
        ${allowed.includes('put_on_hold') ? this.holdForm(o) : ''}
        ${open ? this.forwardForm() : ''}
        ${allowed.includes('cancel') ? this.cancelForm() : ''}
        ${!open ? html`<p class="muted">${t('desk.closed')}</p>` : ''}
      </div>
      <section aria-labelledby="events-h" data-region="events" data-key="${this.dataStamp}">
        <h2 id="events-h">${t('detail.history')}</h2>
        <ol class="log" data-testid="desk-history">${(this.events || []).map((e) => html`<li>
          <span class="muted">${fmtDateTime(e.at)}</span> ${actorName(e.actor_name)}: ${this.eventText(e)}
          ${e.to_status && e.to_status !== e.from_status ? html` → ${statusLabel(e.to_status)}` : ''}
          ${e.flagged ? html` <span class="flag danger">${t('detail.flagged')}</span>` : ''}
          ${e.note && !(e.action === 'auto_assign' && e.note === e.changes?.rule) ? html`<p class="prewrap">${e.note}</p>` : ''}
          ${e.action === 'photo_added' && e.changes?.photo_id ? html`<p><a href="/api/orders/${o.id}/photos/${e.changes.photo_id}" target="_blank" rel="noopener">
            <img class="event-photo" src="/api/orders/${o.id}/photos/${e.changes.photo_id}" alt="${t('desk.photo_alt', { time: fmtDateTime(e.at), who: e.actor_name || '' })}" loading="lazy" data-testid="desk-photo"></a></p>` : ''}</li>`)}</ol>
      </section>`;
  }

  // -- the booking (seed 002) ---------------------------------------------------------------
  bookingSection(o, b) {
    if (!b || (!b.booking_code && !b.letter && !(b.replies || []).length)) return '';
    const letter = b.letter;
    const reminders = b.reminders || [];
    return html`<section class="booking-panel card" aria-labelledby="booking-h" data-region="booking" data-key="${this.dataStamp}" data-testid="desk-booking">
      <h2 id="booking-h">${t('booking.panel.title')}</h2>
      <dl class="pairs">
        <dt>${t('booking.code')}</dt><dd><span class="code" data-testid="desk-booking-code">${b.booking_code || '–'}</span></dd>
        <dt>${t('booking.panel.channel')}</dt><dd data-testid="desk-booking-channel">${channelLabel(b.channel)}</dd>
        ${b.sent_at ? html`<dt>${t('booking.panel.sent_at')}</dt><dd>${fmtDateTime(b.sent_at)}</dd>` : ''}
        <dt>${t('booking.panel.letter')}</dt><dd data-testid="desk-booking-letter">${letter ? html`<a href="${api.letterPdf(letter.id)}" target="_blank" rel="noopener"
            data-testid="desk-letter-pdf">${t('booking.panel.letter_pdf', { pages: letter.pages || 1 })}</a>
          <br><span class="muted">${t('booking.panel.letter_made', { time: fmtDateTime(letter.created_at) })} ·
          ${letter.printed_at ? t('booking.panel.printed', { time: fmtDateTime(letter.printed_at) }) : t('booking.panel.not_printed')}</span>`
          : t(b.channel === 'sms' ? 'booking.panel.no_letter_sms' : 'booking.panel.no_letter')}</dd>
      </dl>
      <h3>${t('booking.panel.replies', { n: (b.replies || []).length })}</h3>
      ${(b.replies || []).length ? html`<ul class="replies" data-testid="desk-replies">${b.replies.map((r) => replyItem(r, { canMarkRead: r.outcome !== 'confirmed' }))}</ul>`
        : html`<p class="muted">${t('booking.panel.no_replies')}</p>`}
      <h3>${t('booking.panel.reminders')}</h3>
      ${reminders.length ? html`<ul data-testid="desk-reminders">${reminders.map((r) => html`<li>${tOr(`booking.sms_kind.${r.kind}`, r.kind)}: ${fmtDateTime(r.at)}
        ${r.state ? html` <span class="muted">(${tOr(`booking.sms_state.${r.state}`, r.state)})</span>` : ''}</li>`)}</ul>`
        : html`<p class="muted">${t('booking.panel.no_reminders')}</p>`}
    </section>`;
  }

  bookingActions(o, b) {
    const allowed = o.allowed_actions || [];
    const parts = [];
    if (allowed.includes('lock_appointment')) {
      parts.push(html`<section aria-labelledby="lock-order-h" class="card" data-testid="desk-lock">
        <h2 id="lock-order-h">${t('booking.lock.order_title')}</h2>
        <p class="muted">${t('booking.lock.order_help')}</p>
        <fieldset class="channel-choice"><legend>${t('booking.channel.legend')}</legend>
          ${CHANNELS.map((c) => html`<label class="choice"><input type="radio" name="order-lock-channel" value="${c}" ${c === 'letter' ? 'checked' : ''}
            data-testid="desk-lock-channel-${c}"> ${channelLabel(c)}</label>`)}</fieldset>
        <button type="button" class="primary" data-act="lock-order" data-testid="desk-lock-order">${t('booking.lock.order_button')}</button></section>`);
    }
    if (o.status === 'ready_to_print') {
      const sms = b?.channel === 'sms';
      parts.push(html`<section aria-labelledby="letter-h" class="card" data-testid="desk-send-booking">
        <h2 id="letter-h">${t(sms ? 'booking.sms.title' : 'booking.letter.title')}</h2>
        <p class="muted">${t(sms ? 'booking.sms.order_help' : 'booking.letter.order_help')}</p>
        ${sms ? html`<button type="button" class="primary" data-act="send-booking-sms" data-testid="desk-send-sms">${t('booking.sms.button')}</button>`
          : html`<button type="button" class="primary" data-act="make-letter" data-testid="desk-make-letter">${t('booking.letter.order_button')}</button>`}
        <p><a href="/desk/letters">${t('booking.letter.to_tray')}</a></p></section>`);
    }
    if (allowed.includes('follow_up_manually')) {
      parts.push(html`<section aria-labelledby="follow-up-h" class="card">
        <h2 id="follow-up-h">${t('booking.follow_up.title')}</h2><p class="muted">${t('booking.follow_up.help')}</p>
        <button type="button" data-act="follow-up" data-testid="desk-follow-up">${t('booking.follow_up.button')}</button></section>`);
    }
    if (o.status === 'manual_followup' && allowed.includes('confirm')) {
      parts.push(html`<section aria-labelledby="confirmation-sms-h" class="card">
        <h2 id="confirmation-sms-h">${t('booking.confirmation_sms.title')}</h2><p class="muted">${t('booking.confirmation_sms.help')}</p>
        <button type="button" data-act="confirmation-sms" data-testid="desk-confirmation-sms">${t('booking.confirmation_sms.button')}</button></section>`);
    }
    return parts;
  }

  fitterOptions(selected, { none = false } = {}) {
    return html`${none ? html`<option value="">${t('desk.no_fitter')}</option>` : ''}
      ${(this.fitters || []).map((f) => html`<option value="${f.id}" ${f.id === selected ? 'selected' : ''}>${f.full_name}</option>`)}`;
  }

  assignForm(o) {
    return html`<form class="card stack" data-form="assign" data-no-draft aria-labelledby="assign-h">
      <h2 id="assign-h">${t('desk.assign.title')}</h2>
      <label for="assign-fitter">${t('desk.fact.fitter')}</label>
      <select id="assign-fitter" name="fitter_id">${this.fitterOptions(o.assigned_fitter_id, { none: true })}</select>
      <button type="submit" data-testid="desk-assign">${t('desk.assign.button')}</button>
    </form>`;
  }

  planForm(o) {
    const start = o.planned_start ? local(new Date(o.planned_start)) : null;
    const hhmm = start ? `${String(start.h).padStart(2, '0')}:${String(start.m).padStart(2, '0')}` : '09:00';
    return html`<form class="card stack" data-form="plan" data-no-draft aria-labelledby="plan-h">
      <h2 id="plan-h" tabindex="-1">${t('desk.plan.title')}</h2>
      <label for="plan-fitter">${t('desk.plan.fitter')}</label>
      <select id="plan-fitter" name="fitter_id" required>${o.assigned_fitter_id ? '' : html`<option value="">${t('desk.plan.choose_fitter')}</option>`}${this.fitterOptions(o.assigned_fitter_id)}</select>
      <div class="row wrap">
        <div class="field"><label for="plan-date">${t('desk.plan.date')}</label>
          <input id="plan-date" name="date" type="date" required value="${start ? start.date : today()}"></div>
        <div class="field"><label for="plan-time">${t('desk.plan.time')}</label>
          <input id="plan-time" name="time" type="time" required step="300" value="${hhmm}"></div>
        <div class="field"><label for="plan-minutes">${t('desk.plan.minutes')}</label>
          <input id="plan-minutes" name="minutes" type="number" required min="5" max="1440" step="5" value="${o.estimate_minutes || DEFAULT_ESTIMATE_MINUTES}"></div>
      </div>
      <p class="error" data-error-for="plan" role="alert"></p>
      <button type="submit" class="primary" data-testid="desk-plan">${t('desk.plan.button')}</button>
    </form>`;
  }

  holdForm() {
    return html`<form class="card stack" data-form="hold" data-no-draft aria-labelledby="hold-h">
      <h2 id="hold-h">${t('desk.hold.title')}</h2>
      <p class="muted">${t('desk.hold.help')}</p>
      <label for="hold-until">${t('desk.hold.until')}</label>
      <input id="hold-until" name="hold_until" type="date" min="${today()}" aria-describedby="hold-error">
      <label class="choice"><input type="checkbox" name="unassign" data-testid="hold-unassign"> ${t('desk.hold.unassign')}</label>
      <p class="error" id="hold-error" data-error-for="hold" role="alert"></p>
      <button type="submit" data-testid="desk-hold">${t('desk.hold.button')}</button>
    </form>`;
  }

  forwardForm() {
    const me = currentUser()?.id;
    const people = (this.colleagues || []).filter((u) => u.id !== me);
    const name = (id) => (this.colleagues || []).find((u) => u.id === id)?.full_name || '?';
    return html`<form class="card stack" data-form="forward" data-no-draft aria-labelledby="forward-h">
      <h2 id="forward-h">${t('desk.forward.title')}</h2>
      ${(this.forwards || []).length ? html`<ul class="forwards" data-testid="desk-forwards">${this.forwards.map((f) => html`<li>
        ${t('desk.forward.item', { name: name(f.to_user_id), date: fmtShortDay(f.done_by) })}${f.done_at ? html` · ${t('desk.forward.done_at')}` : ''}
        ${f.note ? html`<br><span class="muted">${f.note}</span>` : ''}</li>`)}</ul>` : ''}
      <label for="forward-to">${t('desk.forward.to')}</label>
      <select id="forward-to" name="to_user_id" aria-describedby="forward-error"><option value="">${t('desk.forward.choose')}</option>
        ${people.map((u) => html`<option value="${u.id}">${u.full_name}</option>`)}</select>
      <label for="forward-by">${t('desk.forward.done_by')}</label>
      <input id="forward-by" name="done_by" type="date" min="${today()}">
      <label for="forward-note">${t('desk.forward.note')}</label>
      <textarea id="forward-note" name="note" rows="2" maxlength="2000"></textarea>
      <p class="error" id="forward-error" data-error-for="forward" role="alert"></p>
      <button type="submit" data-testid="desk-forward">${t('desk.forward.button')}</button>
    </form>`;
  }

  cancelForm() {
    return html`<form class="card stack" data-form="cancel" data-no-draft aria-labelledby="cancel-h">
      <h2 id="cancel-h">${t('desk.cancel.title')}</h2>
      <label for="cancel-reason">${t('desk.cancel.reason')}</label>
      <textarea id="cancel-reason" name="reason" rows="2" maxlength="2000" aria-describedby="cancel-error"></textarea>
      <p class="error" id="cancel-error" data-error-for="cancel" role="alert"></p>
      <button type="submit" class="danger-button" data-testid="desk-cancel">${t('desk.cancel.button')}</button>
    </form>`;
  }

  // -- actions -----------------------------------------------------------------------------
  fieldError(name, text, focus) {
    const el = this.querySelector(`[data-error-for="${name}"]`);
    if (el) el.textContent = text;
    focus?.focus();
  }

  // Run one change; afterwards the order is read again and the outcome said and focused.
  async act(change, doneText) {
    try {
      const saved = await change();
      this.message = typeof doneText === 'function' ? doneText(saved) : doneText;
      this.messageKind = 'ok';
    } catch (error) {
      // Read again either way: a conflict shows the other change, and a plan refused after
      // its assignment went through shows the order as it now is.
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    this.focusMessage();
  }

  focusMessage() {
    const el = this.querySelector('[data-testid="desk-message"]');
    if (el) { el.focus(); announce(el.textContent); }
  }

  assign(event, form) {
    const fitterId = new FormData(form).get('fitter_id') || null;
    return this.act(() => api.assign(this.order, fitterId), (o) => (o.assigned_fitter_id
      ? t('desk.assign.done', { name: this.fitterName(o.assigned_fitter_id) }) : t('desk.assign.removed')));
  }

  async plan(event, form) {
    const data = new FormData(form);
    const fitterId = data.get('fitter_id');
    const minutes = Number(data.get('minutes'));
    if (!fitterId) return this.fieldError('plan', t('desk.plan.need_fitter'), form.elements.fitter_id);
    if (!data.get('date') || !data.get('time')) return this.fieldError('plan', t('desk.plan.need_time'), form.elements.date);
    if (!(minutes >= 5 && minutes <= 1440)) return this.fieldError('plan', t('desk.plan.need_minutes'), form.elements.minutes);
    const [h, m] = String(data.get('time')).split(':').map(Number);
    const plan = { fitterId, start: startAt(String(data.get('date')), h * 60 + m), minutes };
    const refusal = planRefusal(this.order, plan);
    if (refusal) return this.fieldError('plan', refusal, form.elements.date);
    try {
      const date = local(plan.start).date;
      const around = await api.planned(date, date);
      const p = proposal(this.order, plan, around);
      if (p.clashes.length) {
        this.pending = p;
        this.stamp += 1;
        await this.refresh();
        this.querySelector('#clash-h')?.focus();
        announce(t('desk.clash.title'));
        return;
      }
      return this.commit(p);
    } catch (error) {
      this.fieldError('plan', errorText(error), form.querySelector('button'));
    }
  }

  commit(p) {
    return this.act(() => send(p), (o) => t('desk.plan.done', {
      ref: o.reference, name: this.fitterName(o.assigned_fitter_id), day: fmtShortDay(p.date), time: fmtTime(o.planned_start || p.start),
    }));
  }

  // Escape in the clash warning is "Avbryt".
  clashKey(event) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    return this.planCancel();
  }

  planAnyway() {
    const p = this.pending;
    this.pending = null;
    if (p) return this.commit(p);
  }

  async planCancel() {
    this.pending = null;
    this.message = t('desk.plan.cancelled');
    this.messageKind = '';
    this.stamp += 1;
    await this.refresh();
    this.querySelector('#plan-h')?.focus();
  }

  // -- booking actions ---------------------------------------------------------------------
  lockOrder() {
    const channel = this.querySelector('[name="order-lock-channel"]:checked')?.value || 'letter';
    return this.act(async () => {
      const answer = await api.lockOrders([this.order.id], channel);
      const refused = (answer.refused || [])[0];
      if (refused) throw new Refused(t('booking.lock.order_refused', { reason: refusalText(refused) }));
      return answer.locked[0];
    }, (locked) => t('booking.lock.order_done', { code: locked.booking_code }));
  }

  makeLetter() {
    return this.act(() => api.makeLetter(this.order.id), t('booking.letter.order_done'));
  }

  sendBookingSms() {
    return this.act(async () => {
      const answer = await api.sendBookingSms([this.order.id]);
      const refused = (answer.refused || [])[0];
      if (refused) throw new Refused(t('booking.sms.order_refused', { reason: refusalText(refused) }));
      return answer;
    }, t('booking.sms.order_done'));
  }

  followUp() {
    return this.act(() => api.transition(this.order, { action: 'follow_up_manually' }), t('booking.follow_up.done'));
  }

  confirmationSms() {
    return this.act(() => api.confirmationSms(this.order), t('booking.confirmation_sms.done'));
  }

  replyRead(event, button) {
    return this.act(() => api.replyRead(button.dataset.replyRead), t('booking.reply.marked_read'));
  }

  confirm() {
    return this.act(() => api.transition(this.order, { action: 'confirm' }), t('desk.confirm.done'));
  }

  resume() {
    return this.act(() => api.transition(this.order, { action: 'resume' }), (o) => t('desk.resume.done', { status: statusLabel(o.status) }));
  }

  hold(event, form) {
    const data = new FormData(form);
    const until = data.get('hold_until');
    if (!until) return this.fieldError('hold', t('desk.hold.need_date'), form.elements.hold_until);
    const unassign = data.get('unassign') === 'on';
    return this.act(() => api.transition(this.order, { action: 'put_on_hold', hold_until: until, unassign }),
      t(unassign ? 'desk.hold.done_unassigned' : 'desk.hold.done', { date: fmtShortDay(String(until)) }));
  }

  forward(event, form) {
    const data = new FormData(form);
    const to = data.get('to_user_id');
    const doneBy = data.get('done_by');
    if (!to) return this.fieldError('forward', t('desk.forward.need_to'), form.elements.to_user_id);
    if (!doneBy) return this.fieldError('forward', t('desk.forward.need_date'), form.elements.done_by);
    const name = (this.colleagues || []).find((u) => u.id === to)?.full_name || '';
    return this.act(() => api.forward(this.order.id, { to_user_id: to, done_by: doneBy, note: String(data.get('note') || '') }),
      t('desk.forward.done', { name, date: fmtShortDay(String(doneBy)) }));
  }

  cancel(event, form) {
    const reason = String(new FormData(form).get('reason') || '').trim();
    if (!reason) return this.fieldError('cancel', t('desk.cancel.need_reason'), form.elements.reason);
    return this.act(() => api.transition(this.order, { action: 'cancel', reason }), t('desk.cancel.done'));
  }
}

customElements.define('lw-desk-order', DeskOrder);
