// My day: today's visits in booking order, each with address, map link and tap-to-call.
import { t, getLang, fmtTime, fmtDay } from '../i18n.js';
import { html, Screen, announce, statusLabel, kindLabel, mapLink, telLink } from '../ui.js';
import { ApiError, request } from '../api.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { today, local } from '../time.js';
import { flags } from './order-card.js';

const VISIT_STATUSES = ['scheduled', 'ready_for_execution', 'in_progress', 'done'];

// A group's queue (issue 13) is fetched when online, after the day has been drawn: the day
// itself never waits for the network.
class MyDay extends Screen {
  static events = [['click', '[data-act="take"]', 'take']];

  connectedCallback() {
    this.queue = [];
    super.connectedCallback();
    this.loadQueue();
  }

  async loadQueue() {
    if (!navigator.onLine) return;
    try {
      this.queue = (await request('GET', '/api/routing/queue')) || [];
    } catch {
      this.queue = []; // offline or refused: the queue is simply not shown
    }
    this.refresh();
  }

  async take(event, button) {
    button.disabled = true;
    try {
      await request('POST', `/api/routing/queue/${button.dataset.orderId}/take`);
      announce(t('queue.taken', { reference: button.dataset.reference }));
    } catch (error) {
      const said = error instanceof ApiError && (getLang() === 'sv' ? error.body?.message_sv : error.message);
      announce(said || t('queue.failed'));
    }
    await this.loadQueue();
  }

  queueView() {
    // No data-region: a screen with regions only swaps those on a change, and the day's
    // visits above must be drawn again when a sync brings them.
    if (!this.queue.length) return html`<section data-testid="group-queue" hidden></section>`;
    return html`<section data-testid="group-queue" aria-labelledby="queue-h">
      <h2 id="queue-h">${t('queue.title')}</h2>
      <p class="muted">${t('queue.help')}</p>
      <ul class="cards">${this.queue.map((q) => html`<li class="card" data-testid="queued-order">
        <p><strong>${kindLabel(q.kind)}</strong> · ${q.reference} · ${q.area || q.city}</p>
        <p class="muted">${q.group_name}${q.due_on ? html` · ${t('queue.due', { day: fmtDay(q.due_on) })}` : ''}</p>
        <button type="button" class="secondary" data-act="take" data-order-id="${q.order_id}" data-reference="${q.reference}">${t('queue.take')}</button>
      </li>`)}</ul></section>`;
  }

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
      ${toContact ? html`<p><a class="button secondary" href="/orders?filter=to_contact" data-testid="to-contact-link">${t('day.to_contact', { n: toContact })}</a></p>` : ''}
      ${this.queueView()}`;
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
