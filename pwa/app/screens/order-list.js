// The fitter's orders with filters: to contact, booked, overdue, escalated (and all open, done).
import { t } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { orderCard } from './order-card.js';

const FILTER_NAMES = ['open', 'to_contact', 'booked', 'overdue', 'escalated', 'done'];

class OrderList extends Screen {
  get filter() {
    const f = new URLSearchParams(location.search).get('filter');
    return FILTER_NAMES.includes(f) ? f : 'open';
  }

  async view() {
    const filter = this.filter;
    // One read for the list and the counts on the filter chips.
    const all = await store.orders('all');
    const rows = all.filter(store.FILTERS[filter]);
    const counts = Object.fromEntries(FILTER_NAMES.map((f) => [f, all.filter(store.FILTERS[f]).length]));
    return html`<h1 tabindex="-1">${t('orders.title')}</h1>
      <div class="filters" role="group" aria-label="${t('orders.filter')}">
        ${FILTER_NAMES.map((f) => html`<a class="chip" href="/orders?filter=${f}" data-testid="filter-${f}"
          ${f === filter ? html`aria-current="true"` : ''}>${t(`filter.${f}`)} <span class="count">${counts[f]}</span></a>`)}
      </div>
      <p class="muted" aria-live="polite" data-testid="order-count">${t('orders.count', { n: rows.length })}</p>
      ${rows.length ? html`<ul class="cards" data-testid="order-list">${rows.map(orderCard)}</ul>`
        : html`<p class="empty">${t('orders.none')}</p>`}`;
  }
}

customElements.define('lw-order-list', OrderList);
route('/orders', 'lw-order-list', { roles: ['fitter', 'planner', 'admin'] });
nav({ href: '/orders', label: 'nav.orders', roles: ['fitter', 'planner', 'admin'], testid: 'nav-orders', order: 20 });
// Planners and administrators start on the dispatch board (desk/routes.js); the fitter's start
// is "my day".
