// The dispatch board (issue 11): the organisation's fitters by days (week Mon-Fri, or one day
// by hours 07-18), the queue of orders without a fitter or a time beside it. Drag a queue
// order onto a fitter's day or hour to assign and plan it; drag a visit to move or reassign
// it. Every order also opens its panel (/desk/orders/:id) with the same as a form.
// Under each fitter's name in the day view, and in each of the week's cells, "Lås dagens
// avtal" locks that fitter's booked orders of the day (seed 002): a dialog says how many, the
// server gives each a booking code and the answer lists those it refused and what they lack.
import { t, fmtShortDay, fmtTime, fmtDay } from '../i18n.js';
import { html, Screen, announce, kindLabel, statusLabel } from '../ui.js';
import { calendar } from '../rules.js';
import { escalatedNow } from '../flags.js';
import { today, local, addDays } from '../time.js';
import * as api from '../desk/api.js';
import {
  DAY_FIRST_HOUR, DAY_LAST_HOUR, DEFAULT_ESTIMATE_MINUTES, SLOT_MINUTES, ROUND_MINUTES,
  appendStart, bookings, cellKey, hourSlots, isNonWorkingDay, mondayOf, startAt, weekDays,
} from '../desk/plan.js';
import { clashWarning, errorText, flagsOf, planRefusal, proposal, send } from '../desk/view.js';
import { CHANNELS, channelLabel, lockResult, tCount } from '../desk/booking-view.js';
import { currentUser } from '../router.js';

const KINDS = ['installation', 'service', 'battery', 'removal', 'inspection'];
// The queue's statuses: every open one that a planner may still have to plan.
const QUEUE_STATUSES = ['ordered', 'contacting', 'scheduled', 'manual_followup', 'ready_for_execution', 'on_hold'];
const DRAG_TYPE = 'application/x-lockwork-order';
const DAY_COLUMNS = ((DAY_LAST_HOUR - DAY_FIRST_HOUR) * 60) / ROUND_MINUTES;

const dayColumn = (minutes) => Math.min(DAY_COLUMNS + 1, Math.max(1, Math.round((minutes - DAY_FIRST_HOUR * 60) / ROUND_MINUTES) + 1));

class DeskBoard extends Screen {
  static events = [
    ['pointerdown', '[data-resize]', 'resizeStart'],
    ['click', '[data-resize]', 'resizeClick'],
    ['dragstart', '[data-drag]', 'dragStart'],
    ['dragend', '[data-drag]', 'dragEnd'],
    ['dragover', '[data-drop]', 'dragOver'],
    ['dragleave', '[data-drop]', 'dragLeave'],
    ['drop', '[data-drop]', 'drop'],
    ['click', '[data-act="plan-anyway"]', 'planAnyway'],
    ['click', '[data-act="plan-cancel"]', 'planCancel'],
    ['keydown', '[data-testid="clash-warning"]', 'clashKey'],
    ['change', '[data-form="queue-filter"]', 'filterQueue'],
    ['submit', '[data-form="queue-filter"]', 'filterQueue'],
    ['click', '[data-lock-day]', 'lockAsk'],
    ['click', '[data-act="lock-confirm"]', 'lockConfirm'],
    ['click', '[data-act="lock-cancel"]', 'lockCancel'],
    ['keydown', '[data-testid="lock-dialog"]', 'lockKey'],
  ];

  connectedCallback() {
    this.filters = { status: [], kind: '', due_to: '', escalated: false, area: '' };
    this.stamp = 0;
    this.dataStamp = 0; // the data's regions are replaced when it changes, not on a message
    super.connectedCallback();
    this.load();
  }

  get params() { return new URLSearchParams(location.search); }
  get viewName() { return this.params.get('view') === 'day' ? 'day' : 'week'; }
  get date() {
    const d = this.params.get('date');
    return d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : today();
  }
  get days() { return this.viewName === 'day' ? [this.date] : weekDays(this.date); }

  async load({ focus = null } = {}) {
    const days = this.days;
    try {
      const [fitters, planned, queue] = await Promise.all([
        this.fitters || api.fitters(), api.planned(days[0], days[days.length - 1]), this.loadQueue(),
      ]);
      this.fitters = fitters;
      this.planned = planned;
      this.queue = queue;
      this.loadError = null;
      // Issue 13: the fitter groups, to name the one whose queue an order waits in. Read once,
      // and apart (the board works without them); an administrator's board spans companies.
      if (this.groups === undefined && !currentUser()?.roles.includes('admin')) {
        this.groups = await api.routingList('groups').catch(() => null);
      }
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
    if (focus) this.querySelector(focus)?.focus();
  }

  async loadQueue() {
    const f = this.filters;
    const items = await api.queue({
      kind: f.kind, status: f.status.length ? f.status : QUEUE_STATUSES,
      due_to: f.due_to, escalated: f.escalated ? true : undefined, area: f.area,
    });
    // Escalated first, then the earliest due, as the activity list works (seed 001).
    return items.sort((a, b) => (Number(escalatedNow(b)) - Number(escalatedNow(a)))
      || String(a.due_on || '9999').localeCompare(String(b.due_on || '9999'))
      || a.reference.localeCompare(b.reference));
  }

  async reloadQueue() {
    try {
      this.queue = await this.loadQueue();
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  fitterName(id) { return this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'); }

  link(params) {
    const q = new URLSearchParams({ view: this.viewName, date: this.date, ...params });
    return `/desk?${q}`;
  }

  async view() {
    const viewName = this.viewName;
    const date = this.date;
    const step = viewName === 'day' ? 1 : 7;
    const title = viewName === 'day' ? fmtDay(date) : t('desk.week_of', { from: fmtShortDay(this.days[0]), to: fmtShortDay(this.days[4]) });
    return html`<h1 tabindex="-1">${t('desk.title')}</h1>
      <div class="desk-toolbar" role="group" aria-label="${t('desk.navigate')}">
        <a class="button" href="${this.link({ date: addDays(viewName === 'day' ? date : mondayOf(date), -step) })}" data-testid="desk-prev">← ${t(viewName === 'day' ? 'desk.prev_day' : 'desk.prev_week')}</a>
        <a class="button" href="${this.link({ date: today() })}" data-testid="desk-today">${t('desk.today')}</a>
        <a class="button" href="${this.link({ date: addDays(viewName === 'day' ? date : mondayOf(date), step) })}" data-testid="desk-next">${t(viewName === 'day' ? 'desk.next_day' : 'desk.next_week')} →</a>
        <span class="desk-views">
          <a class="chip" href="${this.link({ view: 'week' })}" data-testid="view-week" ${viewName === 'week' ? html`aria-current="true"` : ''}>${t('desk.view_week')}</a>
          <a class="chip" href="${this.link({ view: 'day' })}" data-testid="view-day" ${viewName === 'day' ? html`aria-current="true"` : ''}>${t('desk.view_day')}</a>
        </span>
        <a class="button" href="/desk/activity">${t('nav.activity')}</a>
      </div>
      <div data-region="message" data-key="${this.stamp}-${this.message || ''}">
        ${this.loadError ? html`<p class="error" role="alert" data-testid="desk-error">${this.loadError}</p>` : ''}
        ${this.message ? html`<p class="notice-inline ${this.messageKind || ''}" role="status" data-testid="desk-message" tabindex="-1">${this.message}</p>` : ''}
        ${this.pending ? clashWarning(this.pending, this.fitterName(this.pending.fitterId)) : ''}
        ${this.lockAnswer ? lockResult(this.lockAnswer) : ''}
        ${this.locking ? this.lockDialog(this.locking) : ''}
      </div>
      <div class="desk-layout">
        <section class="board-wrap" aria-labelledby="board-h" data-region="board" data-key="${this.dataStamp}" data-keep>
          <h2 id="board-h">${title}</h2>
          <p class="muted small">${t('desk.board_help')}</p>
          <div class="board-scroll">${this.fitters ? (viewName === 'day' ? this.dayBoard(date) : this.weekBoard()) : html`<p>${t('loading')}</p>`}</div>
        </section>
        <aside class="queue" aria-labelledby="queue-h">
          <h2 id="queue-h">${t('desk.queue')}</h2>
          ${this.queueFilters()}
          <div data-region="queue" data-key="${this.dataStamp}" data-keep>${this.queueList()}</div>
        </aside>
      </div>`;
  }

  // -- the board ---------------------------------------------------------------------------
  weekBoard() {
    const days = this.days;
    const cells = bookings(this.planned || []);
    const now = today();
    return html`<table class="board week" data-testid="board">
      <caption class="visually-hidden">${t('desk.board_caption')}</caption>
      <thead><tr><th scope="col">${t('desk.fitter')}</th>${days.map((d) => html`<th scope="col"
        class="${d === now ? 'today' : ''} ${isNonWorkingDay(d, calendar) ? 'off' : ''}" ${d === now ? html`aria-current="date"` : ''}>
        <a href="${this.link({ view: 'day', date: d })}">${fmtShortDay(d)}</a>
        <span class="weekday">${t(`desk.weekday.${days.indexOf(d)}`)}</span>
        ${isNonWorkingDay(d, calendar) ? html`<span class="visually-hidden">, ${t('desk.non_working')}</span>` : ''}</th>`)}</tr></thead>
      <tbody>${this.fitters.map((f) => html`<tr data-fitter-row="${f.username}">
        <th scope="row">${f.full_name}</th>
        ${days.map((d) => {
          const list = cells.get(cellKey(f.id, d)) || [];
          return html`<td data-drop data-fitter="${f.id}" data-date="${d}" data-testid="cell-${f.username}-${d}"
            class="${d === now ? 'today' : ''} ${isNonWorkingDay(d, calendar) ? 'off' : ''}">
            ${list.length ? html`<ol class="blocks">${list.map((b) => html`<li>${this.block(b)}</li>`)}</ol>` : ''}
            ${this.lockButton(f, d, list)}</td>`;
        })}</tr>`)}</tbody></table>`;
  }

  dayBoard(date) {
    const cells = bookings(this.planned || []);
    const slots = hourSlots();
    const now = local(new Date());
    const off = isNonWorkingDay(date, calendar);
    return html`<table class="board day ${off ? 'off' : ''}" data-testid="board">
      <caption class="visually-hidden">${t('desk.board_caption')}${off ? `, ${t('desk.non_working')}` : ''}</caption>
      <thead><tr><th scope="col">${t('desk.fitter')}</th><th scope="col" class="hours">
        <div class="hour-labels">${slots.map((s) => html`<span>${s.label.slice(0, 2)}</span>`)}</div></th></tr></thead>
      <tbody>${this.fitters.map((f) => {
        const list = cells.get(cellKey(f.id, date)) || [];
        const lanes = Math.max(1, ...list.map((b) => b.lane + 1));
        return html`<tr data-fitter-row="${f.username}"><th scope="row">${f.full_name}${this.lockButton(f, date, list)}</th>
          <td class="track-cell"><div class="track" data-columns="${DAY_COLUMNS}" data-lanes="${lanes}">
            ${slots.map((s) => html`<div class="slot ${s.minutes >= 17 * 60 ? 'late' : ''}" data-drop data-fitter="${f.id}" data-date="${date}"
              data-minutes="${s.minutes}" data-col-start="${dayColumn(s.minutes)}" data-col-end="${dayColumn(s.minutes + SLOT_MINUTES)}"
              data-testid="slot-${f.username}-${s.label.slice(0, 2)}"><span class="visually-hidden">${f.full_name} ${s.label}</span></div>`)}
            ${date === now.date && now.minutes >= DAY_FIRST_HOUR * 60 && now.minutes < DAY_LAST_HOUR * 60
              ? html`<div class="now-line" data-col-start="${dayColumn(now.minutes)}" data-col-end="${dayColumn(now.minutes) + 1}" aria-hidden="true"></div>` : ''}
            ${list.map((b) => this.block(b, { columns: true }))}
          </div></td></tr>`;
      })}</tbody></table>`;
  }

  block(b, { columns = false } = {}) {
    const o = b.order;
    const label = `${t('desk.block_label', { n: b.position, time: fmtTime(o.planned_start), ref: o.reference, customer: o.customer_name, status: statusLabel(o.status) })}${b.overlaps ? `, ${t('desk.overlaps')}` : ''}`;
    return html`<a class="block s-${o.status} ${escalatedNow(o) ? 'escalated' : ''} ${b.overlaps ? 'clash' : ''}" href="/desk/orders/${o.id}" draggable="true"
      data-drag data-order-id="${o.id}" data-testid="block-${o.reference}"
      ${columns ? html`data-col-start="${dayColumn(b.from)}" data-col-end="${Math.max(dayColumn(b.to), dayColumn(b.from) + 1)}" data-lane="${b.lane}"` : ''}
      aria-label="${label}" title="${label}">
      <span class="line1"><span class="pos" aria-hidden="true">${b.position}</span>
      <span class="time">${fmtTime(o.planned_start)}</span>${b.overlaps ? html`<span class="flag warn" aria-hidden="true">${t('desk.overlaps')}</span>` : ''}</span>
      <span class="ref">${o.reference}</span>
      <span class="who">${o.customer_name}</span>
      ${columns ? html`<span class="resize" data-resize="${o.id}" data-testid="resize-${o.reference}" title="${t('desk.resize')}" aria-hidden="true"></span>` : ''}</a>`;
  }

  // -- resizing a visit in the day view: its right edge is its end, so its estimate --------
  // The pointer's column on the visit's track sets the new end (in ROUND_MINUTES steps); on
  // release the new length goes through the same proposal (clashes, refusals) as a drop.
  // The form on the order's panel does the same without a pointer.
  resizeStart(event, handle) {
    if (event.button !== 0) return;
    event.preventDefault(); // no drag of the visit, no text selection
    const block = handle.closest('.block');
    const rect = block.closest('.track').getBoundingClientRect();
    const start = Number(block.dataset.colStart);
    const state = { id: handle.dataset.resize, start, end: Number(block.dataset.colEnd) };
    this.resizing = state;
    handle.setPointerCapture?.(event.pointerId);
    const move = (e) => {
      const column = Math.round(((e.clientX - rect.left) / rect.width) * DAY_COLUMNS) + 1;
      state.end = Math.max(start + 1, Math.min(DAY_COLUMNS + 1, column));
      block.style.gridColumn = `${start} / ${state.end}`;
    };
    const done = async () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', done);
      handle.removeEventListener('pointercancel', done);
      // The click that follows the release must not open the order.
      setTimeout(() => { this.resizing = null; });
      const order = this.orderById(state.id);
      const minutes = (state.end - state.start) * ROUND_MINUTES;
      if (!order || minutes === order.estimate_minutes) return;
      await this.propose(order, { fitterId: order.assigned_fitter_id, start: new Date(order.planned_start), minutes });
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', done);
    handle.addEventListener('pointercancel', done);
  }

  resizeClick(event) { event.preventDefault(); }

  // -- locking a fitter's day (seed 002, "Låsing av avtale for en hel dag") ------------------
  // Offered where the fitter has booked (scheduled) orders that day: those are what the server
  // locks. Its name says whose day it is, so a screen reader's list of buttons is clear.
  lockButton(f, date, list) {
    const n = list.filter((b) => b.order.status === 'scheduled').length;
    if (!n) return '';
    return html`<button type="button" class="lock-day" data-lock-day data-fitter="${f.id}" data-date="${date}"
      data-testid="lock-day-${f.username}-${date}"
      aria-label="${t('booking.lock.day_label', { name: f.full_name, day: fmtShortDay(date), n })}">${t('booking.lock.day')}</button>`;
  }

  lockDialog(l) {
    return html`<dialog class="confirm-dialog" data-testid="lock-dialog" aria-labelledby="lock-h" aria-describedby="lock-text">
      <h2 id="lock-h">${t('booking.lock.dialog_title', { name: l.name, day: fmtShortDay(l.date) })}</h2>
      <p id="lock-text" data-testid="lock-count">${t('booking.lock.dialog_text', { n: l.orders.length })}</p>
      <ul class="lock-orders">${l.orders.map((o) => html`<li>${fmtTime(o.planned_start)} · ${o.reference} · ${o.customer_name}</li>`)}</ul>
      <fieldset class="channel-choice"><legend>${t('booking.channel.legend')}</legend>
        ${CHANNELS.map((c) => html`<label class="choice"><input type="radio" name="lock-channel" value="${c}" ${c === l.channel ? 'checked' : ''}
          data-testid="lock-channel-${c}"> ${channelLabel(c)}</label>`)}</fieldset>
      <p class="muted small">${t('booking.lock.dialog_help')}</p>
      <div class="row wrap">
        <button type="button" class="primary" data-act="lock-confirm" data-testid="lock-confirm">${t('booking.lock.confirm', { n: l.orders.length })}</button>
        <button type="button" data-act="lock-cancel" data-testid="lock-cancel">${t('booking.lock.cancel')}</button>
      </div>
    </dialog>`;
  }

  async lockAsk(event, button) {
    event.preventDefault();
    const { fitter, date } = button.dataset;
    const orders = (this.planned || []).filter((o) => o.assigned_fitter_id === fitter && o.status === 'scheduled'
      && o.planned_start && local(new Date(o.planned_start)).date === date)
      .sort((a, b) => a.planned_start.localeCompare(b.planned_start));
    this.message = null;
    this.lockAnswer = null;
    this.locking = { fitterId: fitter, date, name: this.fitterName(fitter), orders, channel: 'letter', opener: button.dataset.testid };
    this.stamp += 1;
    await this.refresh();
  }

  lockKey(event) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    return this.lockCancel();
  }

  async lockCancel() {
    const opener = this.locking?.opener;
    this.locking = null;
    await this.say(t('booking.lock.cancelled'));
    this.querySelector(`[data-testid="${opener}"]`)?.focus();
  }

  async lockConfirm(event, button) {
    const l = this.locking;
    if (!l || button.disabled) return;
    button.disabled = true; // one lock per confirmation, however often it is clicked
    const channel = this.querySelector('[name="lock-channel"]:checked')?.value || 'letter';
    this.locking = null;
    try {
      this.lockAnswer = await api.lockDay(l.fitterId, l.date, channel);
      announce(tCount('booking.lock.locked', this.lockAnswer.locked?.length || 0));
    } catch (error) {
      this.lockAnswer = null;
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    (this.querySelector('[data-testid="lock-result"]') || this.querySelector('[data-testid="desk-message"]'))?.focus();
  }

  // -- the queue ---------------------------------------------------------------------------
  queueFilters() {
    const f = this.filters;
    return html`<form class="queue-filters" data-form="queue-filter" data-no-draft data-region="queue-filters" data-key="${this.fitters ? 'ready' : 'loading'}" data-keep>
      <div class="field"><label for="q-kind">${t('desk.filter.kind')}</label>
        <select id="q-kind" name="kind"><option value="">${t('desk.filter.any')}</option>
          ${KINDS.map((k) => html`<option value="${k}" ${f.kind === k ? 'selected' : ''}>${kindLabel(k)}</option>`)}</select></div>
      <div class="field"><label for="q-status">${t('desk.filter.status')}</label>
        <select id="q-status" name="status"><option value="">${t('desk.filter.any')}</option>
          ${QUEUE_STATUSES.map((s) => html`<option value="${s}" ${f.status[0] === s ? 'selected' : ''}>${statusLabel(s)}</option>`)}</select></div>
      <div class="field"><label for="q-area">${t('desk.filter.area')}</label>
        <select id="q-area" name="area"><option value="">${t('desk.filter.any')}</option>
          ${this.areas().map((a) => html`<option value="${a}" ${f.area === a ? 'selected' : ''}>${a}</option>`)}</select></div>
      <div class="field"><label for="q-due">${t('desk.filter.due_to')}</label>
        <input id="q-due" name="due_to" type="date" value="${f.due_to}"></div>
      <label class="choice"><input type="checkbox" name="escalated" ${f.escalated ? 'checked' : ''}> ${t('desk.filter.escalated')}</label>
      <button type="submit" class="secondary">${t('desk.filter.apply')}</button>
    </form>`;
  }

  // The areas the organisation's fitters cover (the districts the queue can be cut by).
  areas() {
    return [...new Set((this.fitters || []).flatMap((f) => f.areas || []))].sort((a, b) => a.localeCompare(b));
  }

  queueList() {
    if (!this.queue) return html`<p>${t('loading')}</p>`;
    return html`<p class="muted" aria-live="polite" data-testid="queue-count">${t('desk.queue_count', { n: this.queue.length })}</p>
      ${this.queue.length ? html`<ul class="queue-list" data-testid="queue">${this.queue.map((o) => html`<li>
        <a class="qitem" href="/desk/orders/${o.id}" draggable="true" data-drag data-order-id="${o.id}" data-testid="queue-${o.reference}">
          <span class="line1"><strong>${o.customer_name}</strong> <span class="ref">${o.reference}</span></span>
          <span class="line2">${kindLabel(o.kind)} · ${statusLabel(o.status)}${o.due_on ? html` · ${t('order.due', { date: fmtShortDay(o.due_on) })}` : ''}</span>
          <span class="line3">${o.assigned_fitter_id ? html`${this.fitterName(o.assigned_fitter_id)} · ${t('desk.no_time')}` : this.waitsWith(o)} ${flagsOf(o)}</span>
        </a></li>`)}</ul>` : html`<p class="empty">${t('desk.queue_empty')}</p>`}`;
  }

  // An order without a fitter: in a group's queue (issue 13), or the planner's.
  waitsWith(o) {
    if (!o.assigned_group_id) return t('desk.no_fitter');
    const group = (this.groups || []).find((g) => g.id === o.assigned_group_id);
    return group ? t('routing.in_group', { name: group.name }) : t('routing.in_a_group');
  }

  filterQueue(event, form) {
    if (event.type === 'submit') event.preventDefault();
    const data = new FormData(form);
    this.filters = {
      kind: data.get('kind') || '', status: data.get('status') ? [data.get('status')] : [],
      due_to: data.get('due_to') || '', escalated: data.get('escalated') === 'on',
      area: data.get('area') || '',
    };
    return this.reloadQueue();
  }

  afterRender(root) {
    // Grid positions come from data attributes: the app's CSP allows no inline styles.
    for (const el of root.querySelectorAll('[data-col-start]')) {
      el.style.gridColumn = `${el.dataset.colStart} / ${el.dataset.colEnd}`;
    }
    for (const track of root.querySelectorAll('.track')) {
      const lanes = Number(track.dataset.lanes);
      track.style.gridTemplateColumns = `repeat(${track.dataset.columns}, minmax(0, 1fr))`;
      track.style.gridTemplateRows = `repeat(${lanes}, minmax(${lanes > 1 ? 3.4 : 4.5}rem, auto))`;
      // Hours and the time line run through every row; overlapping visits sit one per row.
      for (const el of track.querySelectorAll('.slot, .now-line')) el.style.gridRow = `1 / span ${lanes}`;
      for (const el of track.querySelectorAll('.block')) el.style.gridRow = `${Number(el.dataset.lane) + 1}`;
    }
    if (this.focusWarning) {
      this.focusWarning = false;
      this.querySelector('#clash-h')?.focus();
    }
    // The lock's confirmation is a modal dialog: the board behind it cannot be changed meanwhile.
    const dialog = root.querySelector('dialog[data-testid="lock-dialog"]');
    if (dialog && !dialog.open) {
      dialog.showModal();
      dialog.querySelector('[data-act="lock-confirm"]')?.focus();
    }
  }

  // -- dragging ----------------------------------------------------------------------------
  orderById(id) {
    return (this.planned || []).find((o) => o.id === id) || (this.queue || []).find((o) => o.id === id);
  }

  dragStart(event, el) {
    if (this.resizing) { event.preventDefault(); return; }
    event.dataTransfer.setData(DRAG_TYPE, el.dataset.orderId);
    event.dataTransfer.setData('text/plain', el.dataset.orderId);
    event.dataTransfer.effectAllowed = 'move';
    this.dragging = el.dataset.orderId;
    el.classList.add('dragging');
    // Visits lying on the day's hour slots let the drop through to the slot beneath (after
    // this turn: hiding the dragged element from the pointer at once would cancel the drag).
    setTimeout(() => this.classList.add('is-dragging'));
  }

  dragEnd(event, el) {
    el.classList.remove('dragging');
    this.classList.remove('is-dragging');
  }

  dragOver(event, el) {
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    el.classList.add('over');
  }

  dragLeave(event, el) { el.classList.remove('over'); }

  drop(event, el) {
    event.preventDefault();
    el.classList.remove('over');
    this.classList.remove('is-dragging');
    const id = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData('text/plain') || this.dragging;
    const order = this.orderById(id);
    if (!order) return;
    const fitterId = el.dataset.fitter;
    const date = el.dataset.date;
    const fromQueue = !(this.planned || []).some((o) => o.id === id);
    let minutes;
    let startMinutes;
    if (el.dataset.minutes) {
      startMinutes = Number(el.dataset.minutes);
      // From the queue the visit takes the slot; a moved visit keeps its length.
      minutes = fromQueue ? SLOT_MINUTES : (order.estimate_minutes || DEFAULT_ESTIMATE_MINUTES);
    } else {
      minutes = order.estimate_minutes || DEFAULT_ESTIMATE_MINUTES;
      const sameDay = order.planned_start && local(new Date(order.planned_start)).date === date;
      // A visit moved to another fitter on the same day keeps its time; else it goes last.
      startMinutes = sameDay ? local(new Date(order.planned_start)).minutes : appendStart(this.planned || [], fitterId, date, order.id);
    }
    return this.propose(order, { fitterId, start: startAt(date, startMinutes), minutes });
  }

  async propose(order, plan) {
    this.message = null;
    this.lockAnswer = null;
    const refusal = planRefusal(order, plan);
    if (refusal) return this.say(refusal, 'warn');
    const p = proposal(order, plan, this.planned || []);
    if (p.clashes.length) {
      this.pending = p;
      this.focusWarning = true;
      this.stamp += 1;
      await this.refresh();
      announce(t('desk.clash.title'));
      return;
    }
    return this.commit(p);
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
    await this.say(t('desk.plan.cancelled'));
    this.querySelector('[data-testid="desk-message"]')?.focus();
  }

  async commit(p) {
    try {
      const saved = await send(p);
      const text = t('desk.plan.done', {
        ref: saved.reference, name: this.fitterName(saved.assigned_fitter_id),
        day: fmtShortDay(p.date), time: fmtTime(saved.planned_start || p.start),
      });
      this.message = text;
      this.messageKind = 'ok';
      announce(text);
      // The server's answer is the order as it now is: shown at once (a full reload of a large
      // board takes most of a second), then the board is read again for others' changes.
      this.place(saved);
      this.stamp += 1;
      this.dataStamp += 1;
      await this.refresh();
      this.load();
    } catch (error) {
      this.message = errorText(error);
      this.messageKind = 'warn';
      // Reloaded either way: a stale board shows the other change first, and a plan refused
      // after its assignment went through shows the order where it now is.
      await this.load();
      this.querySelector('[data-testid="desk-message"]')?.focus();
    }
  }

  // Put one order where the server says it is: on the board (when planned in this view's
  // days), in the queue (without a fitter or a time), or neither.
  place(order) {
    const days = this.days;
    const day = order.planned_start ? local(new Date(order.planned_start)).date : null;
    const others = (list) => (list || []).filter((o) => o.id !== order.id);
    this.planned = others(this.planned);
    this.queue = others(this.queue);
    if (day && day >= days[0] && day <= days[days.length - 1]) this.planned.push(order);
    if (!order.assigned_fitter_id || !order.planned_start) this.queue.unshift(order);
  }

  async say(text, kind = '') {
    this.message = text;
    this.messageKind = kind;
    this.stamp += 1;
    await this.refresh();
    announce(text);
  }
}

customElements.define('lw-desk-board', DeskBoard);
