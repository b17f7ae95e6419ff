// Pieces the desk's screens share: the server's refusal in words, the clash warning, an
// order's line in the queue, and the "Planera" decision (check clashes, then send).
import { t, getLang, fmtTime, fmtShortDay } from '../i18n.js';
import { html, kindLabel, statusLabel } from '../ui.js';
import { ApiError, NetworkError } from '../api.js';
import { calendar } from '../rules.js';
import { flagsNow } from '../flags.js';
import * as api from './api.js';
import { clashes, clockLabel, span } from './plan.js';

// The server answered but did not do it for this order (a booking call's `refused` list, in
// a 200): the message is already in words.
export class Refused extends Error {}

// What went wrong, in words: a stale board, the server's own reason, or no connection.
export function errorText(error) {
  if (error instanceof Refused) return error.message;
  if (error instanceof ApiError) {
    if (error.code === 'version_conflict') return t('desk.error.conflict');
    const reason = getLang() === 'sv' && error.body?.message_sv ? error.body.message_sv : error.message;
    return t('desk.error.refused', { reason });
  }
  if (error instanceof NetworkError) return t('desk.error.offline');
  return t('desk.error.other', { reason: error?.message || '' });
}


export function clashText(clash, fitterName) {
  if (clash.kind === 'non_working_day') return t('desk.clash.non_working_day', { date: fmtShortDay(clash.date) });
  if (clash.kind === 'outside_hours') return t('desk.clash.outside_hours');
  const s = span(clash.order);
  return t('desk.clash.overlap', {
    name: fitterName, ref: clash.order.reference, customer: clash.order.customer_name,
    from: clockLabel(s.from), to: clockLabel(s.to % (24 * 60)),
  });
}

// The warning the planner must confirm ("Planera ändå") or cancel.
export function clashWarning(pending, fitterName) {
  return html`<div class="clash" role="alert" data-testid="clash-warning">
    <h2 id="clash-h" tabindex="-1">${t('desk.clash.title')}</h2>
    <p>${t('desk.clash.intro', { ref: pending.order.reference, name: fitterName, day: fmtShortDay(pending.date), time: fmtTime(pending.start) })}</p>
    <ul>${pending.clashes.map((c) => html`<li>${clashText(c, fitterName)}</li>`)}</ul>
    <div class="row wrap">
      <button type="button" class="primary" data-act="plan-anyway" data-testid="plan-anyway">${t('desk.clash.confirm')}</button>
      <button type="button" data-act="plan-cancel" data-testid="plan-cancel">${t('desk.clash.cancel')}</button>
    </div></div>`;
}

// Why the order cannot get this time at all (before asking the server): a time change on an
// order whose status does not allow scheduling.
export function planRefusal(order, { fitterId, start }) {
  const sameTime = order.planned_start && new Date(order.planned_start).getTime() === start.getTime();
  const allowed = order.allowed_actions || [];
  if (sameTime && fitterId !== order.assigned_fitter_id) return null; // a reassignment only
  if (!allowed.includes('schedule')) return t('desk.plan.not_allowed', { status: statusLabel(order.status) });
  return null;
}

// A plan for `order`: {order, fitterId, start, minutes, date, clashes}; `planned` are the
// fitter's other visits around that day.
export function proposal(order, { fitterId, start, minutes }, planned) {
  const found = clashes({ orderId: order.id, fitterId, start, minutes }, planned, calendar);
  return { order, fitterId, start, minutes, date: span({ planned_start: start.toISOString(), estimate_minutes: minutes }).date, clashes: found };
}

// Send a plan: only a reassignment when the time stays, else assign (if needed) and schedule.
export async function send(p) {
  const sameTime = p.order.planned_start && new Date(p.order.planned_start).getTime() === p.start.getTime()
    && (p.order.estimate_minutes || 0) === p.minutes;
  if (sameTime && p.fitterId !== p.order.assigned_fitter_id) return api.assign(p.order, p.fitterId);
  return api.plan(p.order, p);
}

export function flagsOf(o) {
  const now = flagsNow(o);
  return html`${now.escalated ? html`<span class="flag danger">${t('flag.escalated')}</span>` : ''}
    ${now.overdue ? html`<span class="flag danger">${t('flag.overdue')}</span>` : ''}
    ${o.status === 'on_hold' && o.hold_until ? html`<span class="flag warn">${t('desk.on_hold_until', { date: fmtShortDay(o.hold_until) })}</span>` : ''}`;
}

export const kindText = (o) => kindLabel(o.kind);
