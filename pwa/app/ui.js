// Small helpers for screens: escaped HTML templates, a screen base class, announcements.
import { t } from './i18n.js';
import * as store from './store.js';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);

// Raw HTML that html`` must not escape again.
class Raw { constructor(s) { this.s = s; } toString() { return this.s; } }
export const raw = (s) => new Raw(s);

// html`<p>${value}</p>`: values are escaped; arrays are joined; raw() and nested html`` pass.
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof Raw ? x.s : esc(x))).join('')
      : v instanceof Raw ? v.s : v === false || v == null ? '' : esc(v);
    out += part + strings[i + 1];
  });
  return raw(out);
}

// Say something to screen-reader users (the polite live region in the status bar).
export function announce(message) {
  const region = document.getElementById('announcer');
  if (region) { region.textContent = ''; setTimeout(() => { region.textContent = message; }, 50); }
}

// Events are delegated from an element that stays while its content is replaced (a screen, a
// part that renders itself), so nothing a refresh puts in its place can lose a handler.
// `events` is a list of [type, selector, method]: on an event of that type inside `host` whose
// target is within an element matching the selector, host[method](event, element) runs.
// host.delegated(event, handled), if defined, runs after the entries (the screen's fallbacks).
// Once per host: an element moved in the page connects again, its listeners stay.
export function delegate(host, events, extraTypes = []) {
  if (host.delegating) return;
  host.delegating = true;
  const types = new Set([...extraTypes, ...events.map(([type]) => type)]);
  for (const type of types) {
    host.addEventListener(type, (event) => {
      let handled = false;
      for (const [kind, selector, method] of events) {
        const el = kind === event.type ? event.target.closest?.(selector) : null;
        if (!el || !host.contains(el) || ownedElsewhere(el, host)) continue;
        handled = true;
        // A second tap while the first submit is still queueing its change must not send twice.
        if (kind === 'submit' && el.dataset.busy) continue;
        const result = host[method](event, el);
        if (kind === 'submit' && result?.finally) {
          el.dataset.busy = '1';
          result.finally(() => delete el.dataset.busy);
        }
      }
      host.delegated?.(event, handled);
    });
  }
}

// An element inside another component's own element (a panel that renders itself) belongs to
// that component, not to the screen around it.
function ownedElsewhere(el, host) {
  for (let node = el.parentElement; node && node !== host; node = node.parentElement) {
    if (node.localName.includes('-')) return true;
  }
  return false;
}

// A screen: a custom element that renders from the store, and again when data or the language
// change. Subclasses implement `async view()` returning html`` and list their handlers in
// `static events` (see delegate()); `afterRender(root)` may do what a render needs besides
// (a request, a focus), for the whole screen or for one replaced region as `root`.
// Parts marked data-region="name" data-key="..." are replaced one by one on a refresh, and a
// part the person is typing in (focus inside, or data-dirty) is kept while its key is
// unchanged, so a sync landing mid-sentence does not wipe the note being written. A region
// marked data-keep is kept whenever its key is unchanged.
//
// Every form in a screen submits through its handler, never natively (a native submit would
// reload the page with the typed text in the address, and save nothing). What is typed into a
// form with a data-form name is kept as a draft in IndexedDB (store.saveDraft) until its
// handler calls `sent(form)`: a refresh or a reload puts it back. `data-no-draft` opts out;
// password fields are never kept.
export class Screen extends HTMLElement {
  static events = [];

  connectedCallback() {
    delegate(this, this.constructor.events, ['submit', 'input', 'change']);
    this.refresh = this.refresh.bind(this);
    store.changes.addEventListener('change', this.refresh);
    addEventListener('langchange', this.refresh);
    this.refresh();
  }

  disconnectedCallback() {
    store.changes.removeEventListener('change', this.refresh);
    removeEventListener('langchange', this.refresh);
  }

  delegated(event, handled) {
    const form = event.target.closest?.('form');
    if (!form || ownedElsewhere(form, this)) return;
    if (event.type === 'submit') {
      if (!handled && !event.defaultPrevented) console.error(`Lockwork: no handler for form ${form.dataset.form || form.id || '?'}`);
      event.preventDefault();
    } else if ((event.type === 'input' || event.type === 'change') && draftable(form) && draftable(event.target)) {
      form.closest('[data-region]')?.setAttribute('data-dirty', '');
      form.dataset.typed = '1';
      store.saveDraft(this.draftKey(form), fieldsOf(form));
    }
  }

  // Drafts are per screen address and form (or form name), so each order keeps its own message.
  draftKey(form) { return `${location.pathname}|${typeof form === 'string' ? form : form.dataset.form}`; }

  // The form's content reached the outbox (or the server): forget its draft and empty it.
  async sent(form) {
    form.closest('[data-region]')?.removeAttribute('data-dirty');
    delete form.dataset.typed;
    form.reset();
    await store.dropDraft(this.draftKey(form));
  }

  async refresh(event) {
    // Refreshes overlap (two changes in a row); only the latest one may render. A language
    // change needs a whole render: remember it, so a data change that overtakes it (a sync
    // landing at the same moment) still renders everything, not just the regions.
    if (event?.type === 'langchange') this.wholeRenderOwed = true;
    const turn = (this.turn = (this.turn || 0) + 1);
    const content = String(await this.view());
    if (turn !== this.turn) return;
    const fresh = document.createElement('div');
    fresh.innerHTML = content;
    const names = (root) => [...root.querySelectorAll('[data-region]')].map((r) => r.dataset.region).join();
    const same = names(this) && names(this) === names(fresh);
    if (!this.rendered || !same || this.wholeRenderOwed) {
      this.wholeRenderOwed = false;
      const focus = this.rendered ? focusKey(this) : null;
      this.innerHTML = content;
      if (focus) this.querySelector(focus)?.focus({ preventScroll: true });
      this.rendered = true;
      const h1 = this.querySelector('h1');
      if (h1) document.title = `${h1.textContent} – Lockwork`;
      await this.rendering(this);
      return;
    }
    // Every region is swapped at once, in this turn; drafts come back into them afterwards.
    const replaced = [];
    for (const next of fresh.querySelectorAll('[data-region]')) {
      const old = this.querySelector(`[data-region="${next.dataset.region}"]`);
      if (!old) continue;
      const busy = old.contains(document.activeElement) || old.hasAttribute('data-dirty')
        || old.hasAttribute('data-keep'); // a part that renders itself (e.g. the lock panel)
      if (busy && old.dataset.key === next.dataset.key) continue;
      old.replaceWith(next);
      replaced.push(next);
    }
    for (const root of replaced) await this.rendering(root);
  }

  // After `root` (the screen, or one region) was put in place: drafts back, then afterRender.
  async rendering(root) {
    const forms = [...(root.matches('form') ? [root] : []), ...root.querySelectorAll('form')]
      .filter((f) => draftable(f) && !ownedElsewhere(f, this));
    for (const form of forms) {
      const fields = await store.draft(this.draftKey(form));
      // Typed into since it was rendered: what is in the form now is newer than the draft.
      if (!fields || form.dataset.typed || !form.isConnected) continue;
      restoreFields(form, fields);
      form.closest('[data-region]')?.setAttribute('data-dirty', '');
    }
    this.afterRender?.(root);
  }
}

const UNKEPT_TYPES = ['password', 'hidden', 'file', 'submit', 'button', 'reset'];

function draftable(el) {
  if (el.localName === 'form') return Boolean(el.dataset.form) && !el.hasAttribute('data-no-draft');
  return Boolean(el.name) && !UNKEPT_TYPES.includes(el.type);
}

function fieldsOf(form) {
  const fields = {};
  for (const el of form.elements) {
    if (!draftable(el)) continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      if (el.type === 'checkbox') fields[el.name] = el.checked;
      else if (el.checked) fields[el.name] = el.value;
    } else {
      fields[el.name] = el.value;
    }
  }
  return fields;
}

function restoreFields(form, fields) {
  for (const el of form.elements) {
    if (!draftable(el) || !(el.name in fields)) continue;
    const value = fields[el.name];
    if (el.type === 'checkbox') el.checked = Boolean(value);
    else if (el.type === 'radio') el.checked = el.value === value;
    else el.value = value;
  }
}

// A selector for the focused element inside `root`, to focus its successor after a re-render
// (keyboard and screen-reader users keep their place in a list that a sync refreshed).
function focusKey(root) {
  const el = document.activeElement;
  if (!el || el === root || !root.contains(el)) return null;
  for (const attr of ['id', 'data-testid', 'href', 'name']) {
    const value = el.getAttribute(attr);
    if (value) return `${el.tagName.toLowerCase()}[${attr}="${CSS.escape(value)}"]`;
  }
  return null;
}

export const statusLabel = (s) => t(`status.${s}`);
export const kindLabel = (k) => t(`kind.${k}`);

export function mapLink(address) {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`;
}
export const telLink = (phone) => `tel:${String(phone).replace(/[^0-9+]/g, '')}`;
