// Home-care staff: the locks of their customers, weakest battery first, with when each lock
// was last heard from and whether its reading is verified by the lock. A low battery offers a
// battery-change order for that customer in one tap.
import { t } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { lockFacts, lowBattery } from './lock-status.js';

const FILTER_NAMES = ['all', 'low'];

class CustomerLocks extends Screen {
  get filter() {
    const f = new URLSearchParams(location.search).get('filter');
    return FILTER_NAMES.includes(f) ? f : 'all';
  }

  async view() {
    const [locks, customers, orders] = await Promise.all([store.all('lock'), store.all('customer'), store.orders('open')]);
    const byId = new Map(customers.map((c) => [c.id, c]));
    const installed = locks.filter((l) => l.state === 'installed' && l.customer_id);
    // An open battery order for the lock already: say so instead of offering another.
    const batteryOrder = new Map(orders.filter((o) => o.kind === 'battery' && o.lock_id).map((o) => [o.lock_id, o]));
    const filter = this.filter;
    const rows = installed.filter((l) => filter === 'all' || lowBattery(l))
      .sort((a, b) => (a.battery_percent ?? 101) - (b.battery_percent ?? 101) || a.serial.localeCompare(b.serial));
    const counts = { all: installed.length, low: installed.filter(lowBattery).length };
    return html`<h1 tabindex="-1">${t('locks.title')}</h1>
      <p class="muted">${t('locks.lead')}</p>
      <div class="filters" role="group" aria-label="${t('locks.filter')}">
        ${FILTER_NAMES.map((f) => html`<a class="chip" href="/locks?filter=${f}" data-testid="locks-filter-${f}"
          ${f === filter ? html`aria-current="true"` : ''}>${t(`locks.filter.${f}`)} <span class="count">${counts[f]}</span></a>`)}
      </div>
      <div data-region="locks" data-key="${filter}-${rows.map((l) => `${l.id}:${l._v}`).join()}">
        ${rows.length ? html`<ul class="cards" data-testid="lock-list">${rows.map((l) => {
          const c = byId.get(l.customer_id);
          const open = batteryOrder.get(l.id);
          return html`<li class="card" data-testid="lock-row" data-lock-id="${l.id}">
            <h2 class="card-title">${c?.name || t('locks.unknown_customer')}</h2>
            ${c ? html`<p class="muted">${[c.street_address, c.city].filter(Boolean).join(', ')}</p>` : ''}
            ${lockFacts(l)}
            ${open ? html`<p><a href="/orders/${open.id}">${t('locks.battery_ordered', { reference: open.reference })}</a></p>`
              : lowBattery(l) && c ? html`<p><a class="button secondary" href="/orders/new?kind=battery&customer=${c.id}" data-testid="order-battery">${t('locks.order_battery')}</a></p>` : ''}
          </li>`;
        })}</ul>` : html`<p class="empty" data-testid="no-locks">${t(filter === 'low' ? 'locks.none_low' : 'locks.none')}</p>`}
      </div>`;
  }
}

customElements.define('lw-customer-locks', CustomerLocks);
route('/locks', 'lw-customer-locks', { roles: ['orderer'] });
nav({ href: '/locks', label: 'nav.locks', roles: ['orderer'], testid: 'nav-locks', order: 30 });
