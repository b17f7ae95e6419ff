// The time the fitter's phone suggests for a booking: the next whole hour inside the working
// hours of a working day, with room for the visit's estimate (issue 16: never 02:00). Pure: the
// moment and the rules come in (the server's, by default), so tests can call it directly.
import { RULES, calendar } from './rules.js';
import { atLocal, local } from './time.js';
import { WorkingDays } from './calendar.js';

const HOUR_MINUTES = 60;

export function suggestedStart(estimateMinutes, now = new Date(), rules = RULES) {
  const cal = rules === RULES ? calendar : new WorkingDays(rules.calendar);
  const { start, end } = rules.working_hours;
  const l = local(now);
  let day = l.date;
  let minutes = Math.max(start, Math.ceil((l.minutes + 1) / HOUR_MINUTES) * HOUR_MINUTES);
  if (!cal.isWorkingDay(day) || minutes + estimateMinutes > end) {
    day = cal.nextWorkingDay(day);
    minutes = start;
  }
  return atLocal(day, minutes);
}
