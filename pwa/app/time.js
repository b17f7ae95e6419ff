// Local time in the organisation's zone (server/clock.py LOCAL_ZONE), whatever the phone's
// zone is set to. Dates are 'YYYY-MM-DD' strings; instants are Date objects.
// No DOM here: this module also runs inside the service worker.

export const ZONE = 'Europe/Stockholm';

const partsFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

// {date: 'YYYY-MM-DD', minutes: minutes since local midnight, h, m} of an instant.
export function local(instant) {
  const p = Object.fromEntries(partsFormat.formatToParts(instant).map((x) => [x.type, x.value]));
  const h = Number(p.hour), m = Number(p.minute);
  return { date: `${p.year}-${p.month}-${p.day}`, h, m, s: Number(p.second), minutes: h * 60 + m };
}

export const today = (now = new Date()) => local(now).date;

// The instant of a local wall-clock time on a local date (DST-aware: two passes settle it).
export function atLocal(date, minutes) {
  const [y, mo, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, mo - 1, d, Math.floor(minutes / 60), minutes % 60);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const l = local(new Date(guess));
    const [ly, lmo, ld] = l.date.split('-').map(Number);
    const seen = Date.UTC(ly, lmo - 1, ld, l.h, l.m, l.s);
    guess += wall - seen;
  }
  return new Date(guess);
}

export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// 0 = Monday ... 6 = Sunday, as Python's date.weekday().
export function weekday(date) {
  const [y, m, d] = date.split('-').map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

// Value for <input type="datetime-local"> from an instant, and back.
export function toInputValue(instant) {
  const l = local(instant);
  return `${l.date}T${String(l.h).padStart(2, '0')}:${String(l.m).padStart(2, '0')}`;
}

export function fromInputValue(value) {
  const [date, hm] = value.split('T');
  const [h, m] = hm.split(':').map(Number);
  return atLocal(date, h * 60 + m);
}
