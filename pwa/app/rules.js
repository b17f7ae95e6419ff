// The server's rules for this app, made by server/app_rules.py from the server's own modules
// (working-day calendar, contact plan, checklist, life cycle) and its settings (country,
// eves). The server writes the document in below when it serves this file, as it writes the
// version into sw.js, so the rules are precached with the shell and there offline; the same
// document is at /app-rules.json. No rule is copied into the app: a module that needs one
// reads it here and hands it to its pure functions (calendar.js, contact-plan.js,
// checklist.js).
import { WorkingDays } from './calendar.js';

// The layout of the document this app reads (FORMAT in server/app_rules.py).
const FORMAT = 1;

function deepFreeze(value) {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

export const RULES = deepFreeze(/*__LOCKWORK_RULES__*/null);
if (RULES?.format !== FORMAT) {
  throw new Error(`This app reads rules of format ${FORMAT}, not ${RULES?.format}: serve it from the server.`);
}
// The working days of the server's country and eves.
export const calendar = new WorkingDays(RULES.calendar);
