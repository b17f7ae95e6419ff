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

// A screen: a custom element that renders from the store, and again when data or the language
// change. Subclasses implement `async view()` returning html`` and `bind(root)` to wire events
// inside `root`. Parts marked data-region="name" data-key="..." are replaced one by one on a
// refresh, and a part the person is typing in (focus inside, or data-dirty) is kept while its
// key is unchanged, so a sync landing mid-sentence does not wipe the note being written.
// A region marked data-keep is kept whenever its key is unchanged.
export class Screen extends HTMLElement {
  connectedCallback() {
    this.refresh = this.refresh.bind(this);
    store.changes.addEventListener('change', this.refresh);
    addEventListener('langchange', this.refresh);
    this.refresh();
  }

  disconnectedCallback() {
    store.changes.removeEventListener('change', this.refresh);
    removeEventListener('langchange', this.refresh);
  }

  async refresh(event) {
    // Refreshes overlap (two changes in a row); only the latest one may render.
    const turn = (this.turn = (this.turn || 0) + 1);
    const content = String(await this.view());
    if (turn !== this.turn) return;
    const fresh = document.createElement('div');
    fresh.innerHTML = content;
    const names = (root) => [...root.querySelectorAll('[data-region]')].map((r) => r.dataset.region).join();
    const same = names(this) && names(this) === names(fresh);
    if (!this.rendered || !same || event?.type === 'langchange') {
      const focus = this.rendered ? focusKey(this) : null;
      this.innerHTML = content;
      if (focus) this.querySelector(focus)?.focus({ preventScroll: true });
      this.rendered = true;
      this.bind?.(this);
      const h1 = this.querySelector('h1');
      if (h1) document.title = `${h1.textContent} – Lockwork`;
      return;
    }
    for (const next of fresh.querySelectorAll('[data-region]')) {
      const old = this.querySelector(`[data-region="${next.dataset.region}"]`);
      if (!old) continue;
      const busy = old.contains(document.activeElement) || old.hasAttribute('data-dirty')
        || old.hasAttribute('data-keep'); // a part that renders itself (e.g. the lock panel)
      if (busy && old.dataset.key === next.dataset.key) continue;
      old.replaceWith(next);
      this.bind?.(next);
    }
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

// Mark a region as being edited once the person types in it.
export function trackDirty(root) {
  for (const form of root.querySelectorAll('form')) {
    form.addEventListener('input', () => form.closest('[data-region]')?.setAttribute('data-dirty', ''));
  }
}

export const statusLabel = (s) => t(`status.${s}`);
export const kindLabel = (k) => t(`kind.${k}`);

export function mapLink(address) {
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(address)}`;
}
export const telLink = (phone) => `tel:${String(phone).replace(/[^0-9+]/g, '')}`;
