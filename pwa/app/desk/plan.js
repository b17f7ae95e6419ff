// The planner's board as pure functions: the week and day grids, the booking order of each
// fitter's day and the clashes a new time would cause. No DOM and no clock: "today", the
// orders and the working-day calendar (calendar.js, from the rules the server publishes) come
// in, so the browser tests can call these directly (tests/browser/test_desk.py).
import { addDays, atLocal, local, weekday } from '../time.js';
import { RULES } from '../rules.js';

// The day view shows 07:00 to 18:00: the working day and an hour after it for a late visit.
export const DAY_FIRST_HOUR = 7;
export const DAY_LAST_HOUR = 18;
// The fitters' working hours (server/calendar/working_hours.py, published in the app's rules);
// a visit outside them is a clash the planner confirms.
export const WORK_START_MINUTES = RULES.working_hours.start;
export const WORK_END_MINUTES = RULES.working_hours.end;
// A slot of the day view is an hour; an order dropped on it gets the slot's length as its
// estimate, and an order without an estimate is shown as an hour (as the iCalendar feed does).
export const SLOT_MINUTES = 60;
export const DEFAULT_ESTIMATE_MINUTES = 60;
// Appending to a day in the week view starts on the next quarter hour after the last visit.
export const ROUND_MINUTES = 15;
// Statuses whose planned time is not (or no longer) a visit on the board.
const OFF_BOARD = new Set(['cancelled', 'on_hold', 'draft']);

export const mondayOf = (date) => addDays(date, -weekday(date));

// Monday to Friday of the week that holds `date`.
export const weekDays = (date) => [0, 1, 2, 3, 4].map((i) => addDays(mondayOf(date), i));

// The day view's hour slots: [{minutes: 420, label: '07:00'}, ...].
export function hourSlots(first = DAY_FIRST_HOUR, last = DAY_LAST_HOUR) {
  const slots = [];
  for (let h = first; h < last; h++) slots.push({ minutes: h * 60, label: `${String(h).padStart(2, '0')}:00` });
  return slots;
}

export const clockLabel = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

// Weekends and holidays. Outside the calendar's years nothing is known about holidays: the
// weekend is still certain, a weekday is shown as working.
export function isNonWorkingDay(date, calendar) {
  try {
    return !calendar.isWorkingDay(date);
  } catch {
    return weekday(date) >= 5;
  }
}

export const onBoard = (order) => Boolean(order.planned_start && order.assigned_fitter_id && !OFF_BOARD.has(order.status));

// Where an order lies in local time: its day, start and end in minutes since midnight, and the
// instants (for overlaps, which compare instants so a DST day counts right).
export function span(order) {
  const start = new Date(order.planned_start);
  const minutes = order.estimate_minutes || DEFAULT_ESTIMATE_MINUTES;
  const l = local(start);
  return { date: l.date, from: l.minutes, to: l.minutes + minutes, start: start.getTime(), end: start.getTime() + minutes * 60_000 };
}

export const cellKey = (fitterId, date) => `${fitterId}|${date}`;

// The booking order: per fitter and local day, the visits by planned start (then reference,
// so two at the same time keep a stable order), numbered from 1; `overlaps` marks a clash and
// `lane` is the day view's row (0 unless visits overlap).
export function bookings(orders) {
  const cells = new Map();
  for (const order of orders.filter(onBoard)) {
    const s = span(order);
    const key = cellKey(order.assigned_fitter_id, s.date);
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push({ order, ...s });
  }
  for (const list of cells.values()) {
    list.sort((a, b) => a.start - b.start || String(a.order.reference).localeCompare(String(b.order.reference)));
    const laneEnds = [];
    list.forEach((b, i) => {
      b.position = i + 1;
      // Overlapping another visit of the same fitter: flagged on the board, never hidden.
      b.overlaps = list.some((other) => other !== b && other.start < b.end && b.start < other.end);
      // The day view's row for it: the first whose last visit has ended (overlaps side by side).
      b.lane = laneEnds.findIndex((end) => end <= b.start);
      if (b.lane < 0) b.lane = laneEnds.length;
      laneEnds[b.lane] = b.end;
    });
  }
  return cells;
}

// A new visit appended to a fitter's day (the week view has no times to drop on): after the
// day's last visit, rounded up to the quarter hour, and never before the working day starts.
export function appendStart(orders, fitterId, date, movingId = null) {
  const day = (bookings(orders.filter((o) => o.id !== movingId)).get(cellKey(fitterId, date))) || [];
  const lastEnd = Math.max(WORK_START_MINUTES, ...day.map((b) => b.to));
  return Math.ceil(lastEnd / ROUND_MINUTES) * ROUND_MINUTES;
}

// What is wrong with planning `orderId` for `fitterId` at `start` (a Date) for `minutes`:
// [{kind: 'non_working_day'}, {kind: 'outside_hours'}, {kind: 'overlap', order}, ...].
// Empty: no clash. The order's own current booking never clashes with the new one.
export function clashes({ orderId, fitterId, start, minutes }, orders, calendar) {
  const found = [];
  const l = local(start);
  if (isNonWorkingDay(l.date, calendar)) found.push({ kind: 'non_working_day', date: l.date });
  if (l.minutes < WORK_START_MINUTES || l.minutes + minutes > WORK_END_MINUTES) found.push({ kind: 'outside_hours' });
  const from = start.getTime();
  const to = from + minutes * 60_000;
  for (const order of orders) {
    if (order.id === orderId || order.assigned_fitter_id !== fitterId || !onBoard(order)) continue;
    const s = span(order);
    if (s.start < to && from < s.end) found.push({ kind: 'overlap', order });
  }
  return found;
}

// The instant of a local date and minutes since midnight (re-exported for the screens).
export const startAt = (date, minutes) => atLocal(date, minutes);
