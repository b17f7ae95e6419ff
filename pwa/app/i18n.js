// Strings: Swedish by default, English selectable, room for Norwegian (add i18n/nb.js and
// list it in LANGS). The choice is kept in localStorage 'lockwork.lang'; '?lang=en' sets it.
// Only Swedish (the fallback) is loaded up front; another language is fetched when chosen.
import sv from './i18n/sv.js';

const DICTS = { sv };
export const LANGS = [{ code: 'sv', name: 'Svenska' }, { code: 'en', name: 'English' }];
const known = (code) => LANGS.some((l) => l.code === code);

async function load(code) {
  DICTS[code] ??= (await import(`./i18n/${code}.js`)).default;
}
const LOCALES = { sv: 'sv-SE', en: 'en-GB', nb: 'nb-NO' };
const STORAGE_KEY = 'lockwork.lang';
const ZONE = 'Europe/Stockholm';

function initial() {
  const asked = new URLSearchParams(location.search).get('lang');
  if (asked && known(asked)) {
    localStorage.setItem(STORAGE_KEY, asked);
    return asked;
  }
  const kept = localStorage.getItem(STORAGE_KEY);
  return known(kept) ? kept : 'sv';
}

let lang = initial();
// Top-level await: modules importing this one run once the dictionary is there.
await load(lang).catch(() => { lang = 'sv'; });
export const getLang = () => lang;

export async function setLang(code) {
  if (!known(code) || code === lang) return;
  await load(code);
  lang = code;
  localStorage.setItem(STORAGE_KEY, code);
  applyDocument();
  dispatchEvent(new Event('langchange'));
}

// t('orders.count', {n: 3}): the string in the current language, falling back to Swedish,
// with {name} placeholders filled in.
export function t(key, params = {}) {
  const s = DICTS[lang]?.[key] ?? DICTS.sv[key] ?? key;
  // A value ending in a full stop ("7 dec.") before the text's own would read "dec..".
  return s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m)).replace(/([^.])\.\.(?!\.)/g, '$1.');
}

// The string for `key`, or `fallback` when no dictionary has it (data-driven keys).
export function tOr(key, fallback, params = {}) {
  return DICTS[lang]?.[key] ?? DICTS.sv[key] ? t(key, params) : fallback;
}

// Who made a change, as the history shows it: a person's name as written, but the server's
// stand-ins for no person ("resident" for a booking reply, "system" for a job) in words.
export function actorName(name) {
  return name ? tOr(`actor.${name}`, name) : '';
}

// Static text in index.html carries data-i18n="key".
export function applyDocument() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}

const cache = new Map();
function format(options) {
  const key = lang + JSON.stringify(options);
  if (!cache.has(key)) cache.set(key, new Intl.DateTimeFormat(LOCALES[lang], { timeZone: ZONE, ...options }));
  return cache.get(key);
}
const asDate = (v) => (v instanceof Date ? v : new Date(v));
export const fmtTime = (v) => (v ? format({ hour: '2-digit', minute: '2-digit' }).format(asDate(v)) : '');
export const fmtDateTime = (v) => (v ? format({ weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(asDate(v)) : '');
export const fmtDay = (v) => (v ? format({ weekday: 'long', day: 'numeric', month: 'long' }).format(asDate(v.length === 10 ? `${v}T12:00:00Z` : v)) : '');
export const fmtShortDay = (v) => (v ? format({ day: 'numeric', month: 'short' }).format(asDate(v.length === 10 ? `${v}T12:00:00Z` : v)) : '');
