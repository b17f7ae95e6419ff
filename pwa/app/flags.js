// The flags an order shows, true now: worked out on the phone from the order's own dates and
// today's date, so a phone that has not synced since yesterday does not show yesterday's flags,
// and each flag goes the moment its condition ends (issue 16). The same rules as the server's
// (server/orders/sla.py and flags.py): escalated while the order still seeks contact, overdue
// when open and past its due date, at risk when due today or on the next working day.
import { RULES, calendar } from './rules.js';
import { today as localToday } from './time.js';

const SEEKING_CONTACT = RULES.statuses_seeking_contact;
const CLOSED = ['done', 'cancelled'];

export const isOpen = (o) => !CLOSED.includes(o.status);

// Escalated (seed 000, step 3a: nobody reached in three working days) until someone is reached
// and the visit is booked: afterwards the escalation is history, shown in the order's events.
export const escalatedNow = (o) => o.escalation_level > 0 && SEEKING_CONTACT.includes(o.status);

export function flagsNow(o, now = new Date()) {
  const day = localToday(now);
  const open = isOpen(o);
  const overdue = open && Boolean(o.due_on) && day > o.due_on;
  const atRisk = open && Boolean(o.due_on) && !overdue && o.due_on <= calendar.nextWorkingDay(day);
  return { escalated: escalatedNow(o), overdue, atRisk };
}
