// One order in a list: reference, customer, address, status and flags; the whole card links.
import { t, fmtDateTime, fmtShortDay } from '../i18n.js';
import { html, statusLabel, kindLabel } from '../ui.js';
import { flagsNow } from '../flags.js';

export function flags(o) {
  const now = flagsNow(o);
  return html`${now.escalated ? html`<span class="flag danger" data-testid="flag-escalated">${t('flag.escalated')}</span>` : ''}
    ${now.overdue ? html`<span class="flag danger" data-testid="flag-overdue">${t('flag.overdue')}</span>` : ''}
    ${now.atRisk ? html`<span class="flag warn" data-testid="flag-at-risk">${t('flag.at_risk')}</span>` : ''}
    ${o._pending ? html`<span class="flag pending">${t('flag.unsynced')}</span>` : ''}`;
}

export function orderCard(o) {
  return html`<li class="card order" data-testid="order-row" data-order-id="${o.id}">
    <a href="/orders/${o.id}" class="card-link">
      <span class="line1"><strong>${o.customer_name}</strong> <span class="ref">${o.reference}</span></span>
      <span class="line2">${o.customer_address}</span>
      <span class="line3"><span class="status s-${o.status}">${statusLabel(o.status)}</span> · ${kindLabel(o.kind)}
        ${o.planned_start ? html` · ${fmtDateTime(o.planned_start)}` : o.due_on ? html` · ${t('order.due', { date: fmtShortDay(o.due_on) })}` : ''}</span>
      ${o.booking_code ? html`<span class="line4">${t('booking.code')} <span class="code" data-testid="order-booking-code">${o.booking_code}</span></span>` : ''}
      <span class="flags">${flags(o)}</span>
    </a></li>`;
}
