// Home-care staff: their organisation's orders and where each one is, with a big button for a
// new order. Read from the synced data, so it works offline too.
import { t } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { orderCard } from './order-card.js';

const FILTER_NAMES = ['open', 'escalated', 'done'];

class OrdererOrders extends Screen {
  get filter() {
    const f = new URLSearchParams(location.search).get('filter');
    return FILTER_NAMES.includes(f) ? f : 'open';
  }

  async view() {
    const filter = this.filter;
    const lists = Object.fromEntries(await Promise.all(FILTER_NAMES.map(async (f) => [f, await store.orders(f)])));
    const rows = lists[filter];
    const counts = Object.fromEntries(FILTER_NAMES.map((f) => [f, lists[f].length]));
    return html`<h1 tabindex="-1">${t('orderer.title')}</h1>
      <p><a class="button primary big" href="/orders/new" data-testid="new-order">${t('orderer.new_order')}</a></p>
      <div class="filters" role="group" aria-label="${t('orders.filter')}" data-region="filters" data-key="${filter}-${Object.values(counts).join()}">
        ${FILTER_NAMES.map((f) => html`<a class="chip" href="/orders?filter=${f}" data-testid="filter-${f}"
          ${f === filter ? html`aria-current="true"` : ''}>${t(`filter.${f}`)} <span class="count">${counts[f]}</span></a>`)}
      </div>
      <div data-region="list" data-key="${filter}-${rows.map((o) => `${o.id}:${o.version}`).join()}">
        <p class="muted" aria-live="polite" data-testid="order-count">${t('orders.count', { n: rows.length })}</p>
        ${rows.length ? html`<ul class="cards" data-testid="order-list">${rows.map(orderCard)}</ul>`
          : html`<p class="empty">${filter === 'open' ? t('orderer.none_open') : t('orders.none')}</p>`}
      </div>`;
  }
}

customElements.define('lw-orderer-orders', OrdererOrders);
route('/', 'lw-orderer-orders', { roles: ['orderer'] });
route('/orders', 'lw-orderer-orders', { roles: ['orderer'] });
nav({ href: '/orders', label: 'nav.my_orders', roles: ['orderer'], testid: 'nav-my-orders', order: 10 });
