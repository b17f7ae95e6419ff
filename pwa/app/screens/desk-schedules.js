// Recurring orders and the battery rule (issue 13, seed 003 "återkommande ärenden"): the
// planner's schedules (what kind of order, for which lock model, from which first day, every
// how many months, made how many days ahead), each with its next period; pause and start
// again; delete, which the server refuses for a schedule that has made orders (its history
// stays: pause it instead). Below, the battery rule: a lock whose signed battery reading is
// under the threshold, or whose last reading is too old, gets a battery order by itself.
// Online only; every change is one call to server/routing/routes.py.
import { t, fmtShortDay } from '../i18n.js';
import { html, kindLabel } from '../ui.js';
import { today } from '../time.js';
import * as api from '../desk/api.js';
import { RoutingEditor } from '../desk/routing-editor.js';
import { SCHEDULE_KINDS } from '../desk/routing-view.js';

// What the battery rule's form suggests before one is saved (the planner changes them).
const BATTERY_SUGGESTED = { below_percent: 20, stale_after_days: 365, active: true };
// A schedule's default lead (ScheduleIn.lead_days) and the bounds the server holds it to.
const LEAD_DAYS = 14;
const INTERVAL = { min: 1, max: 120 };
const LEAD = { min: 0, max: 365 };

const whole = (value, { min, max }) => {
  const n = Number(value);
  return String(value).trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : null;
};

class DeskSchedules extends RoutingEditor {
  static events = [
    ...RoutingEditor.events,
    ['click', '[data-act="pause-schedule"]', 'togglePause'],
    ['submit', '[data-form="schedule"]', 'saveSchedule'],
    ['submit', '[data-form="battery-rule"]', 'saveBatteryRule'],
  ];

  get paths() { return { schedule: 'schedules' }; }

  items(what) { return what === 'schedule' ? this.schedules || [] : []; }

  async fetch(org) {
    const [schedules, battery] = await Promise.all([api.routingList('schedules', org), api.batteryRule(org)]);
    return { schedules, battery, batteryLoaded: true };
  }

  async view() {
    return html`<h1 tabindex="-1">${t('routing.schedules.title')}</h1>
      <p class="routing-lead">${t('routing.schedules.explained')}</p>
      ${this.orgChooser()}
      ${this.messageRegion()}
      <section aria-labelledby="schedules-h" class="routing-part">
        <h2 id="schedules-h">${t('routing.schedules.list')}</h2>
        <div data-region="schedules" data-key="${this.dataStamp}">${this.scheduleTable()}</div>
        <div data-region="schedule-form" data-key="${this.formKey('schedule')}" data-keep>${this.scheduleEditor()}</div>
      </section>
      <section aria-labelledby="battery-h" class="routing-part">
        <h2 id="battery-h">${t('routing.battery.title')}</h2>
        <p class="muted">${t('routing.battery.explained')}</p>
        <div data-region="battery" data-key="${this.dataStamp}" data-keep>${this.batteryForm()}</div>
      </section>`;
  }

  // -- schedules ---------------------------------------------------------------------------
  scheduleTable() {
    if (!this.schedules) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    if (!this.schedules.length) return html`<p class="empty" data-testid="schedules-empty">${t('routing.schedules.none')}</p>${this.newButton('schedule')}`;
    return html`<table class="admin-table routing-table" data-testid="schedule-list">
      <caption class="visually-hidden">${t('routing.schedules.list')}</caption>
      <thead><tr><th scope="col">${t('routing.col.name')}</th><th scope="col">${t('routing.col.kind')}</th>
        <th scope="col">${t('routing.col.locks')}</th><th scope="col">${t('routing.col.interval')}</th>
        <th scope="col">${t('routing.col.next_period')}</th><th scope="col">${t('routing.col.state')}</th>
        <th scope="col"><span class="visually-hidden">${t('routing.col.actions')}</span></th></tr></thead>
      <tbody>${this.schedules.map((s) => html`<tr data-testid="schedule-row" data-schedule-id="${s.id}" class="${s.paused ? 'inactive' : ''}">
        <th scope="row">${s.name}</th>
        <td>${kindLabel(s.kind)}</td>
        <td>${s.lock_model || t('routing.schedule.all_models')}</td>
        <td>${t(s.interval_months === 1 ? 'routing.schedule.every_month' : 'routing.schedule.every_months', { n: s.interval_months })}
          <br><span class="muted">${t('routing.schedule.from', { day: fmtShortDay(s.first_day) })}</span></td>
        <td data-testid="schedule-next">${s.next_period ? html`${fmtShortDay(s.next_period)}<br><span class="muted">${t('routing.schedule.lead', { n: s.lead_days })}</span>` : '–'}</td>
        <td data-testid="schedule-state">${s.paused ? html`<span class="flag warn">${t('routing.schedule.paused')}</span>` : html`<span class="flag ok">${t('routing.schedule.running')}</span>`}</td>
        <td class="routing-actions">${this.rowButtons('schedule', s, html`<button type="button" class="small-button" data-act="pause-schedule" data-id="${s.id}"
          data-testid="schedule-pause">${t(s.paused ? 'routing.schedule.resume' : 'routing.schedule.pause')}<span class="visually-hidden"> ${s.name}</span></button>`)}</td>
      </tr>`)}</tbody></table>
      ${this.newButton('schedule')}`;
  }

  scheduleEditor() {
    const s = this.editedItem('schedule', { name: '', kind: 'inspection', lock_model: '', first_day: today(), interval_months: 12, lead_days: LEAD_DAYS, paused: false });
    if (!s) return '';
    const id = this.editing.schedule;
    return html`<form class="card stack routing-form" data-form="schedule" data-no-draft novalidate aria-labelledby="schedule-form-h" data-testid="schedule-form">
      <h3 id="schedule-form-h" tabindex="-1">${id === 'new' ? t('routing.schedule.new') : t('routing.schedule.change', { name: s.name })}</h3>
      <div class="routing-grid">
        <div class="field"><label for="schedule-name">${t('routing.schedule.name')}</label>
          <input id="schedule-name" name="name" maxlength="200" required value="${s.name}" aria-describedby="schedule-name-hint schedule-error">
          <p class="hint muted" id="schedule-name-hint">${t('routing.schedule.name_hint')}</p></div>
        <div class="field"><label for="schedule-kind">${t('routing.schedule.kind')}</label>
          <select id="schedule-kind" name="kind">${SCHEDULE_KINDS.map((k) => html`<option value="${k}" ${s.kind === k ? 'selected' : ''}>${kindLabel(k)}</option>`)}</select></div>
        <div class="field"><label for="schedule-model">${t('routing.schedule.lock_model')}</label>
          <input id="schedule-model" name="lock_model" maxlength="60" value="${s.lock_model}" aria-describedby="schedule-model-hint">
          <p class="hint muted" id="schedule-model-hint">${t('routing.schedule.lock_model_hint')}</p></div>
        <div class="field"><label for="schedule-first">${t('routing.schedule.first_day')}</label>
          <input id="schedule-first" name="first_day" type="date" required value="${s.first_day}" aria-describedby="schedule-error"></div>
        <div class="field"><label for="schedule-interval">${t('routing.schedule.interval')}</label>
          <input id="schedule-interval" name="interval_months" type="number" inputmode="numeric" required min="${INTERVAL.min}" max="${INTERVAL.max}" step="1"
            value="${s.interval_months}" aria-describedby="schedule-error"></div>
        <div class="field"><label for="schedule-lead">${t('routing.schedule.lead_days')}</label>
          <input id="schedule-lead" name="lead_days" type="number" inputmode="numeric" required min="${LEAD.min}" max="${LEAD.max}" step="1"
            value="${s.lead_days}" aria-describedby="schedule-lead-hint schedule-error">
          <p class="hint muted" id="schedule-lead-hint">${t('routing.schedule.lead_hint')}</p></div>
      </div>
      ${this.formButtons('schedule')}
    </form>`;
  }

  saveSchedule(event, form) {
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    const firstDay = String(data.get('first_day') || '');
    const interval = whole(data.get('interval_months') ?? '', INTERVAL);
    const lead = whole(data.get('lead_days') ?? '', LEAD);
    const el = form.elements;
    if (!name) return this.fieldError('schedule', t('routing.schedule.need_name'), el.name);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(firstDay)) return this.fieldError('schedule', t('routing.schedule.need_first_day'), el.first_day);
    if (interval === null) return this.fieldError('schedule', t('routing.schedule.need_interval', INTERVAL), el.interval_months);
    if (lead === null) return this.fieldError('schedule', t('routing.schedule.need_lead', LEAD), el.lead_days);
    const kept = this.editedItem('schedule', { paused: false });
    const body = {
      name, kind: String(data.get('kind')), lock_model: String(data.get('lock_model') || '').trim(),
      first_day: firstDay, interval_months: interval, lead_days: lead, paused: Boolean(kept?.paused),
    };
    return this.saveItem('schedule', form, body, (saved) => (saved.next_period
      ? t('routing.schedule.saved', { name: saved.name, day: fmtShortDay(saved.next_period) })
      : t('routing.schedule.saved_paused', { name: saved.name })));
  }

  togglePause(event, button) {
    const s = this.schedules?.find((x) => x.id === button.dataset.id);
    if (!s) return;
    const paused = !s.paused;
    const { name, kind, lock_model, first_day, interval_months, lead_days } = s;
    return this.rowChange(button,
      () => api.routingSave('schedules', s.id, { name, kind, lock_model, first_day, interval_months, lead_days, paused }, this.orgParam),
      t(paused ? 'routing.schedule.paused_done' : 'routing.schedule.resumed_done', { name }));
  }

  // -- the battery rule --------------------------------------------------------------------
  batteryForm() {
    if (!this.batteryLoaded) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    const b = this.battery || BATTERY_SUGGESTED;
    const state = !this.battery ? t('routing.battery.none')
      : this.battery.active ? t('routing.battery.on', { percent: b.below_percent, days: b.stale_after_days }) : t('routing.battery.off');
    return html`<p data-testid="battery-state" class="${this.battery?.active ? 'ok-text' : 'muted'}">${state}</p>
      <form class="card stack routing-form" data-form="battery-rule" data-no-draft novalidate aria-labelledby="battery-form-h" data-testid="battery-form">
      <h3 id="battery-form-h" class="visually-hidden">${t('routing.battery.title')}</h3>
      <div class="routing-grid">
        <div class="field"><label for="battery-below">${t('routing.battery.below')}</label>
          <input id="battery-below" name="below_percent" type="number" inputmode="numeric" required min="1" max="100" step="1"
            value="${b.below_percent}" aria-describedby="battery-below-hint battery-rule-error">
          <p class="hint muted" id="battery-below-hint">${t('routing.battery.below_hint')}</p></div>
        <div class="field"><label for="battery-stale">${t('routing.battery.stale')}</label>
          <input id="battery-stale" name="stale_after_days" type="number" inputmode="numeric" required min="1" max="3650" step="1"
            value="${b.stale_after_days}" aria-describedby="battery-stale-hint battery-rule-error">
          <p class="hint muted" id="battery-stale-hint">${t('routing.battery.stale_hint')}</p></div>
      </div>
      <label class="choice"><input type="checkbox" name="active" ${b.active ? 'checked' : ''} data-testid="battery-active"> ${t('routing.battery.active')}</label>
      ${this.formButtons('battery-rule')}
    </form>`;
  }

  saveBatteryRule(event, form) {
    const data = new FormData(form);
    const below = whole(data.get('below_percent') ?? '', { min: 1, max: 100 });
    const stale = whole(data.get('stale_after_days') ?? '', { min: 1, max: 3650 });
    if (below === null) return this.fieldError('battery-rule', t('routing.battery.need_below'), form.elements.below_percent);
    if (stale === null) return this.fieldError('battery-rule', t('routing.battery.need_stale'), form.elements.stale_after_days);
    const body = { below_percent: below, stale_after_days: stale, active: data.get('active') === 'on' };
    return this.save('battery-rule', form, () => api.saveBatteryRule(body, this.orgParam),
      (saved) => (saved.active ? t('routing.battery.saved_on', { percent: saved.below_percent, days: saved.stale_after_days }) : t('routing.battery.saved_off')));
  }
}

customElements.define('lw-desk-schedules', DeskSchedules);
