// The activity list at the desk (seed 001's "aktivitetslista", GET /api/activity): the open
// orders to work on with the route's filters; most urgent first (escalated, then oldest: the
// routine's order) or newest first, both sorted by the server. Each row says what to do next
// and links to the order's desk panel. Under it, who closed how many orders today, per shift
// (GET /api/activity/closed-per-person), seed 001's daily follow-up.
import { t, fmtDateTime, fmtShortDay, fmtDay } from '../i18n.js';
import { html, Screen, kindLabel, statusLabel } from '../ui.js';
import * as api from '../desk/api.js';
import { errorText } from '../desk/view.js';
import { today, addDays } from '../time.js';
import { flagsNow } from '../flags.js';

const KINDS = ['installation', 'service', 'battery', 'removal', 'inspection'];
const STATUSES = ['ordered', 'contacting', 'scheduled', 'ready_to_print', 'awaiting_response', 'manual_followup',
  'ready_for_execution', 'in_progress', 'on_hold', 'done', 'cancelled'];
const SORTS = ['urgent', 'newest'];
// "At least n working days without a call attempt": seed 000 escalates after three.
const QUIET_DAYS = [1, 2, 3, 5, 10];

class DeskActivity extends Screen {
  static events = [
    ['submit', '[data-form="activity-filter"]', 'apply'],
    ['click', '[data-closed-day]', 'closedDay'],
  ];

  connectedCallback() {
    this.filters = { sort: 'urgent' };
    this.closedOn = today(); // the day of the closed-per-person table (YYYY-MM-DD)
    this.closedStamp = 0;
    this.stamp = 0;
    this.dataStamp = 0; // the data's regions are replaced when it changes, not on a message
    super.connectedCallback();
    this.load();
  }

  async load() {
    const f = this.filters;
    try {
      const [page, fitters, closed] = await Promise.all([
        api.activity({
          fitter_id: f.fitter_id, kind: f.kind, status: f.status,
          escalated: f.escalated ? true : undefined, overdue: f.overdue ? true : undefined,
          at_risk: f.at_risk ? true : undefined, forwarded_to_me: f.forwarded_to_me ? true : undefined,
          days_without_call: f.days_without_call || undefined, sort: f.sort,
        }),
        this.fitters || api.fitters(),
        api.closedPerPerson(this.closedOn),
      ]);
      this.fitters = fitters;
      this.closed = closed;
      this.total = page.total;
      this.items = page.items;
      this.loadError = null;
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    await this.refresh();
  }

  fitterName(id) { return this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'); }

  async view() {
    const f = this.filters;
    const check = (name) => html`<label class="choice"><input type="checkbox" name="${name}" ${f[name] ? 'checked' : ''}> ${t(`activity.filter.${name}`)}</label>`;
    return html`<h1 tabindex="-1">${t('activity.title')}</h1>
      <form class="activity-filters" data-form="activity-filter" data-no-draft data-region="filters" data-key="${this.fitters ? 1 : 0}" data-keep aria-label="${t('activity.filters')}">
        <div class="field"><label for="a-fitter">${t('desk.fact.fitter')}</label>
          <select id="a-fitter" name="fitter_id"><option value="">${t('desk.filter.any')}</option>
            ${(this.fitters || []).map((x) => html`<option value="${x.id}" ${f.fitter_id === x.id ? 'selected' : ''}>${x.full_name}</option>`)}</select></div>
        <div class="field"><label for="a-kind">${t('desk.filter.kind')}</label>
          <select id="a-kind" name="kind"><option value="">${t('desk.filter.any')}</option>
            ${KINDS.map((k) => html`<option value="${k}" ${f.kind === k ? 'selected' : ''}>${kindLabel(k)}</option>`)}</select></div>
        <div class="field"><label for="a-status">${t('desk.filter.status')}</label>
          <select id="a-status" name="status"><option value="">${t('activity.filter.open')}</option>
            ${STATUSES.map((s) => html`<option value="${s}" ${f.status === s ? 'selected' : ''}>${statusLabel(s)}</option>`)}</select></div>
        <div class="field"><label for="a-quiet">${t('activity.filter.days_without_call')}</label>
          <select id="a-quiet" name="days_without_call"><option value="">${t('desk.filter.any')}</option>
            ${QUIET_DAYS.map((n) => html`<option value="${n}" ${Number(f.days_without_call) === n ? 'selected' : ''}>${t('activity.quiet_at_least', { n })}</option>`)}</select></div>
        <div class="field"><label for="a-sort">${t('activity.sort')}</label>
          <select id="a-sort" name="sort">${SORTS.map((s) => html`<option value="${s}" ${f.sort === s ? 'selected' : ''}>${t(`activity.sort.${s}`)}</option>`)}</select></div>
        <div class="checks">${check('escalated')}${check('overdue')}${check('at_risk')}${check('forwarded_to_me')}</div>
        <button type="submit" class="primary" data-testid="activity-apply">${t('desk.filter.apply')}</button>
      </form>
      <div data-region="list" data-key="${this.stamp}">${this.list()}</div>
      <div data-region="closed" data-key="${this.stamp}-${this.closedStamp}">${this.closedTable()}</div>`;
  }

  // Seed 001: how many orders each person closed on the day, in all and per shift.
  closedTable() {
    if (!this.closed) return '';
    const shifts = this.closed[0]?.per_shift.map((s) => s.shift) || [];
    const isToday = this.closedOn === today();
    return html`<section class="closed-per-person" aria-labelledby="closed-h" data-testid="closed-per-person">
      <h2 id="closed-h">${t('activity.closed.title', { day: fmtDay(this.closedOn) })}</h2>
      <p class="row wrap"><button type="button" class="secondary" data-closed-day="-1">${t('activity.closed.previous')}</button>
        <button type="button" class="secondary" data-closed-day="1" ${isToday ? 'disabled' : ''}>${t('activity.closed.next')}</button></p>
      ${this.closed.length ? html`<table class="activity"><caption class="visually-hidden">${t('activity.closed.caption')}</caption>
        <thead><tr><th scope="col">${t('activity.closed.person')}</th>${shifts.map((s) => html`<th scope="col">${s}</th>`)}<th scope="col">${t('activity.closed.total')}</th></tr></thead>
        <tbody>${this.closed.map((c) => html`<tr><th scope="row">${c.name}</th>${c.per_shift.map((s) => html`<td>${s.closed}</td>`)}<td><strong>${c.closed}</strong></td></tr>`)}</tbody>
      </table>` : html`<p class="muted">${t('activity.closed.none')}</p>`}
    </section>`;
  }

  // Another day's counts: only that table is fetched again, not the list above it.
  async closedDay(event, button) {
    this.closedOn = addDays(this.closedOn, Number(button.dataset.closedDay));
    try {
      this.closed = await api.closedPerPerson(this.closedOn);
    } catch (error) {
      this.loadError = errorText(error);
      this.stamp += 1; // the list's region shows why
    }
    this.closedStamp += 1;
    await this.refresh();
    this.querySelector(`[data-closed-day="${button.dataset.closedDay}"]`)?.focus();
  }

  list() {
    if (this.loadError) return html`<p class="error" role="alert">${this.loadError}</p>`;
    if (!this.items) return html`<p>${t('loading')}</p>`;
    if (!this.items.length) return html`<p class="empty" data-testid="activity-empty">${t('activity.none')}</p>`;
    return html`<p class="muted" aria-live="polite" data-testid="activity-count">${t('activity.count', { n: this.items.length, total: this.total })}</p>
      <table class="activity" data-testid="activity-list">
        <caption class="visually-hidden">${t('activity.title')}</caption>
        <thead><tr><th scope="col">${t('activity.col.order')}</th><th scope="col">${t('activity.col.what')}</th>
          <th scope="col">${t('activity.col.next')}</th>
          <th scope="col">${t('desk.fact.fitter')}</th><th scope="col">${t('activity.col.ordered')}</th><th scope="col">${t('activity.col.due')}</th></tr></thead>
        <tbody>${this.items.map((o) => [o, flagsNow(o)]).map(([o, f]) => html`<tr data-testid="activity-${o.reference}">
          <th scope="row"><a href="/desk/orders/${o.id}">${o.reference}</a><br>${o.customer_name}</th>
          <td>${kindLabel(o.kind)} · ${statusLabel(o.status)}<br>
            ${f.escalated ? html`<span class="flag danger">${t('flag.escalated')}</span>` : ''}
            ${f.overdue ? html`<span class="flag danger">${t('flag.overdue')}</span>` : ''}
            ${f.atRisk ? html`<span class="flag warn">${t('flag.at_risk')}</span>` : ''}
            ${o.forwarded_done_by ? html`<span class="flag warn">${t('activity.done_by', { date: fmtShortDay(o.forwarded_done_by) })}</span>` : ''}</td>
          <td data-testid="next-step">${t(`activity.next.${o.next_step}`)}
            ${o.days_without_call != null ? html`<br><span class="muted" data-testid="days-without-call">${t('activity.quiet_days', { n: o.days_without_call })}</span>` : ''}</td>
          <td>${o.assigned_fitter_id ? this.fitterName(o.assigned_fitter_id) : t('desk.no_fitter')}</td>
          <td>${fmtDateTime(o.ordered_at)}</td>
          <td>${o.due_on ? fmtShortDay(o.due_on) : '–'}</td></tr>`)}</tbody>
      </table>`;
  }

  apply(event, form) {
    const d = new FormData(form);
    this.filters = {
      fitter_id: d.get('fitter_id') || '', kind: d.get('kind') || '', status: d.get('status') || '',
      sort: d.get('sort') || 'urgent', days_without_call: d.get('days_without_call') || '',
      escalated: d.get('escalated') === 'on', overdue: d.get('overdue') === 'on',
      at_risk: d.get('at_risk') === 'on', forwarded_to_me: d.get('forwarded_to_me') === 'on',
    };
    return this.load();
  }
}

customElements.define('lw-desk-activity', DeskActivity);
