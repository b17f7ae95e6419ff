// Working days (mirror of server/calendar/working_days.py): weekends, public holidays and the
// eves the server treats as days off by default. Sweden by default; Norway with country 'NO'.
import { addDays, weekday } from './time.js';

// Easter Sunday (anonymous Gregorian algorithm).
function easter(year) {
  const a = year % 19, b = Math.floor(year / 100), c = year % 100;
  const d = Math.floor(b / 4), e = b % 4, f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3), h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4), k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31), day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// The first date from `from` (inclusive) that falls on `wd` (0 = Monday).
function firstWeekday(from, wd) {
  return addDays(from, (wd - weekday(from) + 7) % 7);
}

function daysOff(year, country) {
  const e = easter(year);
  const y = String(year);
  if (country === 'NO') {
    return [`${y}-01-01`, addDays(e, -3), addDays(e, -2), e, addDays(e, 1), `${y}-05-01`,
      `${y}-05-17`, addDays(e, 39), addDays(e, 49), addDays(e, 50), `${y}-12-24`, `${y}-12-25`,
      `${y}-12-26`, `${y}-12-31`];
  }
  return [`${y}-01-01`, `${y}-01-06`, addDays(e, -2), e, addDays(e, 1), `${y}-05-01`,
    addDays(e, 39), addDays(e, 49), `${y}-06-06`,
    firstWeekday(`${y}-06-19`, 4), firstWeekday(`${y}-06-20`, 5), // midsummer eve and day
    firstWeekday(`${y}-10-31`, 5), // all saints' day
    `${y}-12-24`, `${y}-12-25`, `${y}-12-26`, `${y}-12-31`];
}

export class WorkingDays {
  constructor(country = 'SE') {
    this.country = country;
    this.years = new Map();
  }

  isWorkingDay(date) {
    const year = Number(date.slice(0, 4));
    if (!this.years.has(year)) this.years.set(year, new Set(daysOff(year, this.country)));
    return weekday(date) < 5 && !this.years.get(year).has(date);
  }

  nextWorkingDay(date) {
    let day = addDays(date, 1);
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }
}
