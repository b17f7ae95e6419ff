// When to call next (mirror of server/orders/contact_plan.py and GET /api/orders/{id}/next-call):
// at least once a working day, rotating morning, midday and afternoon. Used offline; online the
// server's answer is the same rule on the server's data.
import { WorkingDays } from './calendar.js';
import { atLocal, local } from './time.js';

// Call windows in local time, minutes since midnight (same as the server's).
const WINDOWS = [
  { name: 'morning', start: 8 * 60, end: 10 * 60 },
  { name: 'midday', start: 11 * 60 + 30, end: 13 * 60 + 30 },
  { name: 'afternoon', start: 14 * 60 + 30, end: 16 * 60 + 30 },
];
// A suggestion for "now" is rounded up to this many minutes: people plan in such steps.
const ROUND_TO_MINUTES = 5;
// Looking further ahead than this for a free working day means the calendar is broken.
const MAX_DAYS_AHEAD = 60;
const SEEKING_CONTACT = ['ordered', 'contacting'];

function windowOf(minutes) {
  for (let i = 0; i < WINDOWS.length - 1; i++) {
    if (minutes < (WINDOWS[i].end + WINDOWS[i + 1].start) / 2) return WINDOWS[i];
  }
  return WINDOWS[WINDOWS.length - 1];
}

function roundUp(now) {
  const step = ROUND_TO_MINUTES * 60_000;
  const t = Math.floor(now.getTime() / 60_000) * 60_000;
  let rounded = Math.ceil(t / step) * step;
  if (rounded < now.getTime()) rounded += step;
  return new Date(rounded);
}

// order: the order row; attempts: its contact attempts (with `at` ISO strings and `outcome`).
export function nextCall(order, attempts, now = new Date(), cal = new WorkingDays()) {
  const reached = attempts.some((a) => a.outcome === 'reached');
  if (reached || !SEEKING_CONTACT.includes(order.status) || !order.ordered_at) {
    return { needed: false, at: null, window: null, attempts: attempts.length, missed_days: [] };
  }
  const l = local(now);
  const tried = attempts.map((a) => new Date(a.at)).sort((a, b) => a - b).map(local);
  const daysTried = new Set(tried.map((a) => a.date));
  const count = Object.fromEntries(WINDOWS.map((w) => [w.name, 0]));
  const lastIn = {};
  tried.forEach((a, i) => {
    const w = windowOf(a.minutes);
    count[w.name] += 1;
    lastIn[w.name] = i; // attempts are sorted, so a later index is a later time
  });
  const latest = tried.length ? windowOf(tried[tried.length - 1].minutes).name : null;
  const rank = (w) => [count[w.name], lastIn[w.name] ?? -1, WINDOWS.indexOf(w)];
  const better = (a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i] < rb[i] ? a : b;
    return a;
  };

  const missed = [];
  let d = cal.nextWorkingDay(local(new Date(order.ordered_at)).date);
  while (d < l.date) {
    if (!daysTried.has(d)) missed.push(d);
    d = cal.nextWorkingDay(d);
  }

  let day = l.date;
  for (let i = 0; i < MAX_DAYS_AHEAD; i++) {
    if (cal.isWorkingDay(day) && !daysTried.has(day)) {
      const open = WINDOWS.filter((w) => day > l.date || w.end > l.minutes);
      const preferred = open.filter((w) => w.name !== latest);
      const choices = preferred.length ? preferred : open;
      if (choices.length) {
        const w = choices.reduce(better);
        let at = atLocal(day, w.start);
        if (day === l.date && at < now) at = roundUp(now);
        return { needed: true, at: at.toISOString(), window: w.name, attempts: attempts.length, missed_days: missed };
      }
    }
    day = cal.nextWorkingDay(day);
  }
  throw new Error('No working day found in the next 60 days; check the calendar.');
}
