// Home-care staff: the locks of their customers, weakest battery first, one compact row per
// lock (name, street, battery, when last heard, whether the battery reading is verified by
// the lock; the serial where the customer has more than one lock or it was searched for). A search box narrows the list by name, address or serial as one
// types; the words are kept in the address (?q=), so a reload or the back button keeps them.
// A low battery offers a battery-change order for that lock in one tap.
import { t, fmtShortDay } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, nav } from '../router.js';
import * as store from '../store.js';
import { batteryStage, lowBattery } from './lock-status.js';

const FILTER_NAMES = ['all', 'low'];

const fold = (s) => String(s ?? '').toLocaleLowerCase('sv');
const words = (q) => fold(q).split(/\s+/).filter(Boolean);

class CustomerLocks extends Screen {
  static events = [
    ['input', '#lock-search', 'search'],
    ['submit', '[data-form="lock-search"]', 'searchDone'],
  ];

  get params() { return new URLSearchParams(location.search); }

  get filter() {
    const f = this.params.get('filter');
    return FILTER_NAMES.includes(f) ? f : 'all';
  }

  get query() { return this.params.get('q') || ''; }

  // The address of this screen with the filter and the search words.
  href(filter, q) {
    const params = new URLSearchParams();
    if (filter !== 'all') params.set('filter', filter);
    if (q.trim()) params.set('q', q);
    const search = params.toString();
    return `/locks${search ? `?${search}` : ''}`;
  }

  async view() {
    const [locks, customers, orders] = await Promise.all([store.all('lock'), store.all('customer'), store.orders('open')]);
    const byId = new Map(customers.map((c) => [c.id, c]));
    const installed = locks.filter((l) => l.state === 'installed' && l.customer_id);
    // An open battery order for the lock already: say so instead of offering another.
    const batteryOrder = new Map(orders.filter((o) => o.kind === 'battery' && o.lock_id).map((o) => [o.lock_id, o]));
    const filter = this.filter;
    const query = this.query;
    const wanted = words(query);
    const matching = installed.filter((l) => {
      if (!wanted.length) return true;
      const c = byId.get(l.customer_id);
      const hay = fold([c?.name, c?.street_address, c?.postal_code, c?.city, l.serial].join(' '));
      return wanted.every((w) => hay.includes(w));
    });
    // The serial is shown where it tells a customer's locks apart, or was searched for.
    const perCustomer = new Map();
    for (const l of installed) perCustomer.set(l.customer_id, (perCustomer.get(l.customer_id) || 0) + 1);
    const showSerial = (l) => perCustomer.get(l.customer_id) > 1 || l.kind === 'entrance'
      || wanted.some((w) => fold(l.serial).includes(w));
    const rows = matching.filter((l) => filter === 'all' || lowBattery(l))
      .sort((a, b) => (a.battery_percent ?? 101) - (b.battery_percent ?? 101) || a.serial.localeCompare(b.serial));
    const counts = { all: matching.length, low: matching.filter(lowBattery).length };
    const empty = query.trim() ? 'locks.none_match' : filter === 'low' ? 'locks.none_low' : 'locks.none';
    return html`<h1 tabindex="-1">${t('locks.title')}</h1>
      <p class="muted">${t('locks.lead')}</p>
      <form class="lock-search" role="search" data-form="lock-search" data-no-draft>
        <label for="lock-search">${t('locks.search')}</label>
        <input id="lock-search" name="q" type="search" autocomplete="off" enterkeyhint="search"
          data-testid="lock-search" value="${query}" aria-describedby="lock-count">
      </form>
      <div class="filters" role="group" aria-label="${t('locks.filter')}" data-region="filters" data-key="${filter}|${query}|${counts.all}|${counts.low}">
        ${FILTER_NAMES.map((f) => html`<a class="chip" href="${this.href(f, query)}" data-testid="locks-filter-${f}"
          ${f === filter ? html`aria-current="true"` : ''}>${t(`locks.filter.${f}`)} <span class="count">${counts[f]}</span></a>`)}
      </div>
      <div data-region="locks" data-key="${filter}|${query}|${rows.map((l) => `${l.id}:${l._v}`).join()}|${[...batteryOrder.keys()].join()}">
        <p class="muted lock-count" id="lock-count" aria-live="polite" data-testid="lock-count">${t('locks.shown', { n: rows.length, total: installed.length })}</p>
        ${rows.length ? html`<ul class="lock-rows" data-testid="lock-list">${rows.map((l) => this.row(l, byId.get(l.customer_id), batteryOrder.get(l.id), showSerial(l)))}</ul>`
          : html`<p class="empty" data-testid="no-locks">${t(empty)}</p>`}
      </div>`;
  }

  // Two lines: who and the battery; where, which lock and when it was last heard. A third
  // only when the battery is low: its level in words and the order button.
  row(l, c, open, serial) {
    const low = lowBattery(l);
    // The street is enough to tell customers apart here (the search takes the town too).
    const place = c?.street_address || '';
    // The percent on the first line; the level in words where it calls for action, next to
    // the button that acts on it.
    const stage = batteryStage(l.battery_percent);
    const battery = stage ? `${l.battery_percent} %` : t('lockstatus.battery_unknown');
    return html`<li class="lock-row" data-testid="lock-row" data-lock-id="${l.id}">
      <h2 class="lock-name">${c?.name || t('locks.unknown_customer')}</h2>
      <p class="lock-battery${low ? ' warn' : ''}" data-testid="lock-battery"><span class="visually-hidden">${t('lock.battery')}: </span>${battery}${l.verified_by_lock
        ? html` <span class="verified" data-testid="verified-by-lock" title="${t('lockstatus.verified')}">✓<span class="visually-hidden"> ${t('lockstatus.verified')}</span></span>`
        : html`<span class="visually-hidden" data-testid="not-verified"> ${t('lockstatus.not_verified')}</span>`}</p>
      <p class="lock-where">${place}${serial ? html`${place ? ' · ' : ''}<span class="serial">${l.serial}</span>${l.kind === 'entrance' ? ` (${t('lock.kind.entrance')})` : ''}` : ''}</p>
      <p class="lock-seen" data-testid="lock-last-seen">${l.last_seen_at
        ? html`<time datetime="${l.last_seen_at}">${t('locks.seen', { date: fmtShortDay(l.last_seen_at) })}</time>` : t('locks.never_seen')}</p>
      ${low ? html`<div class="lock-foot"><p class="warn">${t(`lockstatus.stage.${stage}`)}</p>
        ${open ? html`<p><a href="/orders/${open.id}">${t('locks.battery_ordered', { reference: open.reference })}</a></p>`
          : c ? html`<p><a class="button secondary" href="/orders/new?kind=battery&customer=${c.id}&lock=${l.id}"
            data-testid="order-battery" aria-label="${t('locks.order_battery_for', { name: c.name })}">${t('locks.order_battery')}</a></p>` : ''}</div>`
        : open ? html`<div class="lock-foot"><p></p><p><a href="/orders/${open.id}">${t('locks.battery_ordered', { reference: open.reference })}</a></p></div>` : ''}
    </li>`;
  }

  // Filters as one types: the words go into the address (replacing it, so the back button
  // does not step through every letter) and the list is drawn again from the phone's data.
  search(e, input) {
    history.replaceState(null, '', this.href(this.filter, input.value));
    this.refresh();
  }

  // Enter (the keyboard's search key) only closes the keyboard: the list is already filtered.
  searchDone(e, form) { form.q.blur(); }
}

customElements.define('lw-customer-locks', CustomerLocks);
route('/locks', 'lw-customer-locks', { roles: ['orderer'] });
nav({ href: '/locks', label: 'nav.locks', roles: ['orderer'], testid: 'nav-locks', order: 30 });
