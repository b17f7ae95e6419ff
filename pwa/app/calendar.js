// Working days by the server's calendar: the `calendar` part of app-rules.json, which
// server/app_rules.py makes from server/calendar/working_days.py for the server's country and
// configured eves. Saturdays and Sundays are never working days; the document lists every
// other day off (public holidays, eves) of the years it covers. Pure: the data comes in.
import { addDays, weekday } from './time.js';

export class WorkingDays {
  // calendar: { first_year, last_year, days_off: ['YYYY-MM-DD', ...] }
  constructor(calendar) {
    this.firstYear = calendar.first_year;
    this.lastYear = calendar.last_year;
    this.daysOff = new Set(calendar.days_off);
  }

  isWorkingDay(date) {
    const year = Number(date.slice(0, 4));
    if (year < this.firstYear || year > this.lastYear) {
      // Outside the published years nothing is known about holidays: never guess.
      throw new RangeError(`The calendar covers ${this.firstYear} to ${this.lastYear}, not ${date}.`);
    }
    return weekday(date) < 5 && !this.daysOff.has(date);
  }

  nextWorkingDay(date) {
    let day = addDays(date, 1);
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }
}
