// When to call next (the rule of server/orders/contact_plan.py and GET /api/orders/{id}/next-call):
// at least once a working day, rotating morning, midday and afternoon. Used offline; online the
// server's answer is the same rule on the server's data. The call windows, the rounding, the
// statuses that seek contact and the calendar come from the server's rules (rules.js).
import { WorkingDays } from './calendar.js';
import { RULES, calendar } from './rules.js';
import { atLocal, local } from './time.js';

// The calendar of each rules document (the server's own is built once, in rules.js).
const calendars = new WeakMap([[RULES, calendar]]);
function calendarOf(rules) {
  if (!calendars.has(rules)) calendars.set(rules, new WorkingDays(rules.calendar));
  return calendars.get(rules);
}

// The window a call at `minutes` (since local midnight) counts for: the nearest one.
function windowOf(windows, minutes) {
  for (let i = 0; i < windows.length - 1; i++) {
    if (minutes < (windows[i].end + windows[i + 1].start) / 2) return windows[i];
  }
  return windows[windows.length - 1];
}

function roundUp(now, roundToMinutes) {
  const step = roundToMinutes * 60_000;
  const t = Math.floor(now.getTime() / 60_000) * 60_000;
  let rounded = Math.ceil(t / step) * step;
  if (rounded < now.getTime()) rounded += step;
  return new Date(rounded);
}

// order: the order row; attempts: its contact attempts (with `at` ISO strings and `outcome`);
// rules: a rules document (app-rules.json), the server's by default.
export function nextCall(order, attempts, now = new Date(), rules = RULES) {
  const cal = calendarOf(rules);
  const { windows, round_to_minutes: roundToMinutes, max_days_ahead: maxDaysAhead } = rules.contact_plan;
  const reached = attempts.some((a) => a.outcome === 'reached');
  if (reached || !rules.statuses_seeking_contact.includes(order.status) || !order.ordered_at) {
    return { needed: false, at: null, window: null, attempts: attempts.length, missed_days: [] };
  }
  const l = local(now);
  const tried = attempts.map((a) => new Date(a.at)).sort((a, b) => a - b).map(local);
  const daysTried = new Set(tried.map((a) => a.date));
  const count = Object.fromEntries(windows.map((w) => [w.name, 0]));
  const lastIn = {};
  tried.forEach((a, i) => {
    const w = windowOf(windows, a.minutes);
    count[w.name] += 1;
    lastIn[w.name] = i; // attempts are sorted, so a later index is a later time
  });
  const latest = tried.length ? windowOf(windows, tried[tried.length - 1].minutes).name : null;
  const rank = (w) => [count[w.name], lastIn[w.name] ?? -1, windows.indexOf(w)];
  const better = (a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] < rb[i] ? a : b;
    return a;
  };

  // The current gap: working days before today since the last call (or the ordering day).
  const missed = [];
  const lastDay = [local(new Date(order.ordered_at)).date, ...daysTried].sort().pop();
  let d = cal.nextWorkingDay(lastDay);
  while (d < l.date) {
    missed.push(d);
    d = cal.nextWorkingDay(d);
  }

  let day = l.date;
  for (let i = 0; i < maxDaysAhead; i++) {
    if (cal.isWorkingDay(day) && !daysTried.has(day)) {
      const open = windows.filter((w) => day > l.date || w.end > l.minutes);
      const preferred = open.filter((w) => w.name !== latest);
      const choices = preferred.length ? preferred : open;
      if (choices.length) {
        const w = choices.reduce(better);
        let at = atLocal(day, w.start);
        if (day === l.date && at < now) at = roundUp(now, roundToMinutes);
        return { needed: true, at: at.toISOString(), window: w.name, attempts: attempts.length, missed_days: missed };
      }
    }
    day = cal.nextWorkingDay(day);
  }
  throw new Error(`No working day found in the next ${maxDaysAhead} days; check the calendar.`);
}
