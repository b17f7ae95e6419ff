// My day: today's visits in booking order, each with address, map link and tap-to-call.
import { t, fmtTime, fmtDay } from '../i18n.js';
import { html, Screen, statusLabel, kindLabel, mapLink, telLink } from '../ui.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { today, local } from '../time.js';
import { flags } from './order-card.js';

const VISIT_STATUSES = ['scheduled', 'ready_for_execution', 'in_progress', 'done'];

class MyDay extends Screen {
  async view() {
    const day = today();
    const [all, customers] = await Promise.all([store.orders('all'), store.all('customer')]);
    const byId = new Map(customers.map((c) => [c.id, c]));
    const visits = all
      .filter((o) => o.planned_start && VISIT_STATUSES.includes(o.status) && local(new Date(o.planned_start)).date === day)
      .sort((a, b) => a.planned_start.localeCompare(b.planned_start));
    const toContact = all.filter(store.FILTERS.to_contact).length;
    return html`<h1 tabindex="-1">${t('day.title')}</h1>
      <div class="day-head"><p class="muted">${fmtDay(day)}</p>
        ${visits.length ? html`<a class="button secondary" href="/day/print?date=${day}" data-testid="print-day">${t('print.button')}</a>` : ''}</div>
      ${visits.length ? html`<ol class="cards visits" data-testid="visit-list">${visits.map((o) => this.visit(o, byId.get(o.customer_id)))}</ol>`
        : html`<p class="empty" data-testid="no-visits">${t('day.none')}</p>`}
      ${toContact ? html`<p><a class="button secondary" href="/orders?filter=to_contact" data-testid="to-contact-link">${t('day.to_contact', { n: toContact })}</a></p>` : ''}`;
  }

  visit(o, customer) {
    const phone = customer?.phone;
    return html`<li class="card visit" data-testid="visit" data-order-id="${o.id}">
      <p class="time"><strong>${fmtTime(o.planned_start)}</strong>${o.estimate_minutes ? html` <span class="muted">(${t('day.minutes', { n: o.estimate_minutes })})</span>` : ''}
        <span class="status s-${o.status}">${statusLabel(o.status)}</span></p>
      <h2><a href="/orders/${o.id}">${o.customer_name}</a></h2>
      <p>${kindLabel(o.kind)} · ${o.reference} ${flags(o)}</p>
      <p class="address">${o.customer_address}</p>
      <div class="row actions">
        <a class="button secondary" href="${mapLink(o.customer_address)}" target="_blank" rel="noopener"
          aria-label="${t('day.map_for', { address: o.customer_address })}">${t('day.map')}</a>
        ${phone ? html`<a class="button secondary" href="${telLink(phone)}" aria-label="${t('day.call_name', { name: o.customer_name })}">${t('day.call')}</a>` : ''}
      </div></li>`;
  }
}

customElements.define('lw-my-day', MyDay);
route('/', 'lw-my-day', { roles: ['fitter'] });
nav({ href: '/', label: 'nav.my_day', roles: ['fitter'], testid: 'nav-my-day', order: 10 });
