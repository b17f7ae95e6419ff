// What the administration screens share: a screen that loads from the server (not from the
// store: accounts and the outbox are not synced to devices), and a form's refusals shown in
// words next to the field they concern.
import { t } from '../i18n.js';
import { html, raw, delegate } from '../ui.js';
import { ApiError, NetworkError, refusal } from './api.js';

// An administration screen: `state` is what the server said; `view()` renders it (no request
// in view); `load()` asks the server. List handlers in `static events` (see ui.js delegate()).
export class AdminScreen extends HTMLElement {
  static events = [];

  connectedCallback() {
    delegate(this, this.constructor.events, ['submit']);
    this.state ??= { loading: true, error: '' };
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.render();
    this.reload();
  }

  disconnectedCallback() { removeEventListener('langchange', this.onLang); }

  // Every form submits through its handler, never natively.
  delegated(event) {
    if (event.type === 'submit') event.preventDefault();
  }

  async reload() {
    try {
      await this.load();
      this.state.error = '';
    } catch (error) {
      this.state.error = loadProblem(error);
    }
    this.state.loading = false;
    this.render();
  }

  render() {
    this.innerHTML = String(this.view());
    const h1 = this.querySelector('h1');
    if (h1) document.title = `${h1.textContent} – Lockwork`;
    this.afterRender?.();
  }

  // The part every screen shows above its content: loading, or why nothing could be loaded.
  loadState() {
    if (this.state.loading) return html`<p class="muted" role="status">${t('loading')}</p>`;
    if (this.state.error) {
      return html`<p class="error" role="alert" data-testid="admin-load-error">${this.state.error}
        <button type="button" class="secondary" data-reload>${t('admin.reload')}</button></p>`;
    }
    return '';
  }
}

export function loadProblem(error) {
  if (error instanceof NetworkError) return t('admin.offline');
  if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return t('admin.refused');
  return refusal(error) || t('admin.failed');
}

// Why an action did not happen, in words: offline, or the server's refusal.
export function problemText(error) {
  if (error instanceof NetworkError) return t('admin.offline');
  return refusal(error) || t('admin.failed');
}

// The server names the field it refuses as `field` (a domain refusal) or as a path of the
// request body (a malformed value, e.g. "password" or "$.password").
const fieldOf = (error) => String(error?.body?.field || '').replace(/^\$\./, '').split(/[.[]/)[0];

// <label> + input + its hint and its error line, wired for screen readers.
export function field(id, name, label, { type = 'text', value = '', hint = '', autocomplete = 'off', attrs = '' } = {}) {
  const described = [hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' ');
  return html`<div class="field">
    <label for="${id}">${label}</label>
    ${hint ? html`<p class="muted hint" id="${id}-hint">${hint}</p>` : ''}
    <input id="${id}" name="${name}" type="${type}" value="${value}" autocomplete="${autocomplete}"
      aria-describedby="${described}" ${raw(attrs)}>
    <p class="error" id="${id}-error" data-error-for="${name}"></p>
  </div>`;
}

// Show problems next to their fields: {fieldName: message}; '' is the form's own line. The
// first field with a problem gets the focus. Returns whether there was any.
export function showProblems(form, problems) {
  let first = null;
  for (const line of form.querySelectorAll('[data-error-for]')) {
    const message = problems[line.dataset.errorFor] || '';
    line.textContent = message;
    const input = form.querySelector(`[name="${line.dataset.errorFor}"]`);
    if (input && line.dataset.errorFor) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (message && !first) first = input || line;
  }
  if (first) {
    if (first.matches('input, select, textarea, button')) first.focus();
    else first.closest('fieldset')?.querySelector('input')?.focus();
  }
  return Boolean(first);
}

// A refusal from the server, as problems for showProblems(): next to the field it names, else
// on the form's own line. `known` maps "status field" to the words for a refusal the screen
// can say better than the server's English (e.g. "409 username").
export function refusalProblems(form, error, known = {}) {
  if (error instanceof NetworkError) return { '': t('admin.offline') };
  const name = fieldOf(error);
  const key = known[`${error?.status} ${name}`];
  const message = key ? t(key) : refusal(error) || t('admin.failed');
  const there = name && form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  return there ? { [name]: message } : { '': message };
}

// The server's patterns (server/accounts/schemas.py: Username, Email, Phone), to say what is
// wrong before sending; the server checks again and decides.
export const USERNAME = /^[a-zA-Z0-9._@-]{3,100}$/;
export const EMAIL = /^$|^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export const PHONE = /^[0-9+()\- ]*$/;

// A password to hand over: 16 characters without look-alikes (0/O, 1/l/I), from the browser's
// cryptographic generator; well over the server's 10-character minimum.
const PASSWORD_LENGTH = 16;
const PASSWORD_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newPassword() {
  const bytes = crypto.getRandomValues(new Uint8Array(PASSWORD_LENGTH));
  // 256 % 57 != 0 favours some characters slightly; 16 of them still give over 90 bits.
  return [...bytes].map((b) => PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]).join('');
}

export const roleLabel = (role) => t(`admin.role.${role}`);
export const kindLabel = (kind) => t(`admin.kind.${kind}`);

// Copy a text to the clipboard; false where the browser refuses (no permission, http).
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
