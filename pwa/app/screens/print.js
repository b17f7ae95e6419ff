// Paper when wanted (seed 000, step 3: the fitter prints the order and notes on it which
// days and times they called). /orders/:id/print is one order, /day/print?date=YYYY-MM-DD a
// day's visits; each fits one A4 page (the print rules are under @media print in styles.css).
// Both are drawn from the phone's own data, so they work offline; the print dialog opens only
// when "Skriv ut" is pressed. The customer's identity number is never shown.
import { t, tOr, fmtDateTime, fmtDay, fmtShortDay, fmtTime } from '../i18n.js';
import { html, Screen, statusLabel, kindLabel } from '../ui.js';
import { route } from '../router.js';
import * as store from '../store.js';
import { today, local } from '../time.js';

// The visits of a day, as "Min dag" lists them (my-day.js).
const VISIT_STATUSES = ['scheduled', 'ready_for_execution', 'in_progress', 'done'];
// Lines left empty under the call log to note more calls by hand: an order's sheet has
// fourteen lines in all (at least six empty), a day's sheet two under each visit. A much
// longer call log (or description) still runs onto a second page.
const ORDER_LINES = 14;
const ORDER_MIN_BLANK = 6;
const DAY_BLANK = 2;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const joined = (parts, sep = ', ') => parts.filter(Boolean).join(sep);
const address = (o, c) => (c ? joined([c.street_address, joined([c.postal_code, c.city], ' ')]) : o.customer_address);

// The press on "Skriv ut" (never on its own: a test or a person can look first).
const PRINT_EVENT = ['click', '[data-print]', 'print'];

class PrintScreen extends Screen {
  print() { window.print(); }

  bar(back, backLabel) {
    return html`<div class="print-bar no-print">
      <a class="button secondary" href="${back}">← ${backLabel}</a>
      <button type="button" class="primary" data-print data-testid="print-now">${t('print.button')}</button>
    </div>
    <p class="muted no-print">${t('print.help')}</p>`;
  }

  // Customer, phones, orderer, visit, lock, description, checklist and the call log: the
  // same facts on both sheets. The order's sheet gives each its own line; the day's sheet
  // (`compact`) runs them on in a paragraph, so four visits share a page.
  orderParts(d, { compact = false, blank = DAY_BLANK } = {}) {
    const o = d.order;
    const c = d.customer;
    const contacts = c?.contacts || [];
    const checklist = Object.entries(o.checklist || {});
    const planned = o.planned_start
      ? `${fmtDateTime(o.planned_start)}${o.estimate_minutes ? ` (${t('day.minutes', { n: o.estimate_minutes })})` : ''}`
      : t('print.not_booked');
    const bestTimes = joined([c?.best_times, o.customer_best_times !== c?.best_times ? o.customer_best_times : ''], '; ');
    const orderer = [o.feedback_name, o.feedback_phone && html`<span class="phone">${o.feedback_phone}</span>`, o.feedback_email].filter(Boolean);
    const pair = (label, value, cls = '', testid = '') => html`<div class="pair"><dt>${label}</dt><dd${cls ? html` class="${cls}"` : ''}${testid ? html` data-testid="${testid}"` : ''}>${value}</dd></div>`;
    const facts = html`
      ${compact ? '' : html`${pair(t('print.customer'), html`<strong>${c?.name || o.customer_name}</strong>`)}`}
      ${pair(t('print.address'), address(o, c))}
      ${c?.phone ? pair(t('print.phone'), c.phone, 'phone') : ''}
      ${bestTimes ? pair(t('print.best_times'), bestTimes) : ''}
      ${contacts.length ? pair(t('print.contacts'), contacts.map((k, i) => html`${i ? (compact ? '; ' : html`<br>`) : ''}${k.name}
        (${tOr(`relation.${k.relation}`, k.relation)}) <span class="phone">${k.phone}</span>${k.best_times ? `, ${k.best_times}` : ''}`)) : ''}
      ${pair(t('print.orderer'), html`${orderer.map((part, i) => html`${i ? ', ' : ''}${part}`)}${o.provider_best_times ? html`${compact ? ', ' : html`<br>`}${t('print.best_times').toLowerCase()}: ${o.provider_best_times}` : ''}`)}
      ${d.lock ? pair(t('print.lock'), `${d.lock.serial}${d.lock.kind === 'entrance' ? ` (${t('lock.kind.entrance')})` : ''}${d.lock.battery_percent != null ? `, ${t('print.battery', { percent: d.lock.battery_percent })}` : ''}`) : ''}`;
    const answers = checklist.map(([k, v]) => pair(tOr(`checklist.${k}`, k), tOr(`answer.${k}.${v}`, v)));
    if (compact) {
      return html`
        <p class="sheet-line" data-testid="print-facts"><strong class="ref-value">${o.reference}</strong> · ${kindLabel(o.kind)}
          · <span data-testid="print-status">${statusLabel(o.status)}</span> · ${planned}${o.due_on ? ` · ${t('print.due').toLowerCase()} ${fmtShortDay(o.due_on)}` : ''}</p>
        <dl class="sheet-inline">${facts}</dl>
        <p class="prewrap sheet-text"><strong>${t('print.description')}:</strong> ${o.description || t('detail.no_description')}</p>
        ${checklist.length ? html`<dl class="sheet-inline" data-testid="print-checklist">${answers}</dl>` : ''}
        <h3>${t('print.calls', { n: d.attempts.length })}</h3>
        ${this.callLog(d.attempts, blank)}`;
    }
    return html`
      <dl class="sheet-pairs" data-testid="print-facts">
        ${pair(t('print.reference'), o.reference, 'ref-value')}
        ${pair(t('print.kind'), kindLabel(o.kind))}
        ${pair(t('print.status'), statusLabel(o.status), '', 'print-status')}
        ${pair(t('print.planned'), planned)}
        ${o.due_on ? pair(t('print.due'), fmtShortDay(o.due_on)) : ''}
        ${facts}
      </dl>
      <h2>${t('print.description')}</h2>
      <p class="prewrap sheet-text">${o.description || t('detail.no_description')}</p>
      ${checklist.length ? html`<h2>${t('print.checklist')}</h2><dl class="sheet-pairs" data-testid="print-checklist">${answers}</dl>` : ''}
      <h2>${t('print.calls', { n: d.attempts.length })}</h2>
      ${this.callLog(d.attempts, blank)}`;
  }

  // The calls made, then empty lines in the same columns to write the next ones on.
  callLog(attempts, blank) {
    return html`<table class="call-log" data-testid="print-calls">
      <thead><tr><th scope="col" class="c-when">${t('print.col_when')}</th><th scope="col" class="c-whom">${t('print.col_whom')}</th>
        <th scope="col" class="c-outcome">${t('print.col_outcome')}</th><th scope="col" class="c-note">${t('print.col_note')}</th></tr></thead>
      <tbody>${attempts.map((a) => html`<tr data-testid="print-call">
        <td>${fmtDateTime(a.at)}</td>
        <td>${t(`whom.${a.to_whom}`)}${a.contact_name ? html`<span class="who-name">${a.contact_name}</span>` : ''}</td>
        <td>${t(`outcome.${a.outcome}`)}</td>
        <td class="prewrap">${a.note}</td></tr>`)}
        ${Array.from({ length: blank }, () => html`<tr class="blank" aria-hidden="true" data-testid="print-blank"><td></td><td></td><td></td><td></td></tr>`)}
      </tbody></table>
      ${attempts.length ? '' : html`<p class="muted sheet-text">${t('print.no_calls')}</p>`}`;
  }
}

// One order on one page.
class OrderPrint extends PrintScreen {
  static events = [PRINT_EVENT];

  get orderId() { return this.getAttribute('id'); }

  async view() {
    const d = await store.orderDetail(this.orderId);
    const o = d.order;
    if (!o) {
      return html`<h1 tabindex="-1">${t('detail.gone_title')}</h1>
        <p data-testid="order-gone">${t('detail.gone_text')}</p><p><a class="button secondary" href="/orders">${t('detail.back')}</a></p>`;
    }
    const blank = Math.max(ORDER_MIN_BLANK, ORDER_LINES - d.attempts.length);
    return html`${this.bar(`/orders/${o.id}`, t('print.back_order'))}
      <article class="sheet" data-testid="print-sheet">
        <header class="sheet-head">
          <h1 tabindex="-1">${t('print.order_title', { reference: o.reference, name: o.customer_name })}</h1>
          <p class="muted">${t('print.printed', { time: fmtDateTime(new Date()) })}</p>
        </header>
        ${this.orderParts(d, { blank })}
      </article>`;
  }
}

// The day's visits on one page, in booking order.
class DayPrint extends PrintScreen {
  static events = [PRINT_EVENT, ['submit', '[data-form="print-day"]', 'chooseDay']];

  get day() {
    const asked = new URLSearchParams(location.search).get('date');
    return asked && DATE.test(asked) ? asked : today();
  }

  async view() {
    const day = this.day;
    const all = await store.orders('all');
    const visits = all
      .filter((o) => o.planned_start && VISIT_STATUSES.includes(o.status) && local(new Date(o.planned_start)).date === day)
      .sort((a, b) => a.planned_start.localeCompare(b.planned_start));
    const details = await Promise.all(visits.map((o) => store.orderDetail(o.id)));
    return html`${this.bar('/', t('print.back_day'))}
      <form class="print-day no-print" data-form="print-day" data-no-draft>
        <label for="print-date">${t('print.choose_day')}</label>
        <div class="row"><input id="print-date" name="date" type="date" required value="${day}">
          <button type="submit" class="secondary">${t('print.show_day')}</button></div>
      </form>
      <article class="sheet day-sheet" data-testid="print-sheet">
        <header class="sheet-head">
          <h1 tabindex="-1">${t('print.day_title', { day: fmtDay(day) })}</h1>
          <p class="muted">${t('print.day_count', { n: visits.length })} · ${t('print.printed', { time: fmtDateTime(new Date()) })}</p>
        </header>
        ${details.length ? details.filter((d) => d.order).map((d) => html`<section class="sheet-order" data-testid="print-visit" data-order-id="${d.order.id}"
          aria-labelledby="visit-${d.order.id}">
          <h2 id="visit-${d.order.id}">${fmtTime(d.order.planned_start)} · ${d.order.customer_name}</h2>
          ${this.orderParts(d, { compact: true, blank: DAY_BLANK })}
        </section>`) : html`<p class="empty" data-testid="print-none">${t('print.day_none')}</p>`}
      </article>`;
  }

  chooseDay(e, form) {
    if (!DATE.test(form.date.value)) return;
    history.replaceState(null, '', `/day/print?date=${form.date.value}`);
    this.refresh();
  }
}

customElements.define('lw-order-print', OrderPrint);
customElements.define('lw-day-print', DayPrint);
route('/orders/:id/print', 'lw-order-print', { roles: ['fitter', 'planner', 'admin'] });
route('/day/print', 'lw-day-print', { roles: ['fitter'] });
