// What the routing editors share (issue 13: /desk/rules and /desk/schedules): the fitters'
// company an administrator chooses, one editor form open per kind of thing, saving with the
// refusal under the form, and deleting after a confirmation dialog. Online only: every change
// is one call to server/routing/routes.py, then the screen reads its lists again (`load`).
import { t } from '../i18n.js';
import { html, Screen, announce } from '../ui.js';
import { currentUser } from '../router.js';
import * as api from './api.js';
import { errorText } from './view.js';

export class RoutingEditor extends Screen {
  // Subclasses: static events = [...RoutingEditor.events, ...]; `paths` maps a kind of thing
  // ('rule') to its API list ('rules'); `fetch(org)` reads the screen's lists (an object
  // assigned onto the screen); `items(what)` lists one kind.
  static events = [
    ['change', '[data-act="choose-org"]', 'chooseOrg'],
    ['click', '[data-edit]', 'edit'],
    ['click', '[data-act="edit-cancel"]', 'editCancel'],
    ['click', '[data-delete]', 'askDelete'],
    ['click', '[data-act="delete-confirm"]', 'confirmDelete'],
    ['click', '[data-act="delete-cancel"]', 'cancelDelete'],
    ['keydown', '[data-testid="routing-dialog"]', 'dialogKey'],
  ];

  connectedCallback() {
    this.stamp = 0;
    this.dataStamp = 0;
    // What each editor shows: undefined (closed), 'new', or the id of the one being changed.
    this.editing = {};
    this.org = new URLSearchParams(location.search).get('org') || null;
    super.connectedCallback();
    this.load();
  }

  // An administrator keeps any fitters' company's settings, naming it on every call; a
  // planner their own company's (no name sent).
  get isAdmin() { return Boolean(currentUser()?.roles.includes('admin')); }
  get orgParam() { return this.isAdmin ? this.org : null; }

  async load() {
    try {
      if (this.isAdmin && !this.companies) {
        this.companies = await api.fittersCompanies();
        if (!this.companies.some((c) => c.id === this.org)) this.org = this.companies[0]?.id || null;
      }
      Object.assign(this, await this.fetch(this.orgParam), { loadError: null });
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  orgChooser() {
    if (!this.isAdmin) return '';
    // A region: the companies arrive after the first render.
    return html`<div class="field routing-org" data-region="org" data-key="${(this.companies || []).length}-${this.org}"><label for="routing-org">${t('routing.org')}</label>
      <select id="routing-org" data-act="choose-org" data-testid="routing-org">
        ${(this.companies || []).map((c) => html`<option value="${c.id}" ${c.id === this.org ? 'selected' : ''}>${c.name}</option>`)}
      </select></div>`;
  }

  chooseOrg(event, select) {
    this.org = select.value;
    const url = new URL(location.href);
    url.searchParams.set('org', this.org);
    history.replaceState(null, '', url.pathname + url.search);
    this.editing = {};
    this.message = null;
    return this.load();
  }

  messageRegion() {
    return html`<div data-region="message" data-key="${this.stamp}">
      ${this.loadError ? html`<p class="error" role="alert" data-testid="routing-error">${this.loadError}</p>` : ''}
      ${this.message ? html`<p class="notice-inline ${this.messageKind || ''}" role="status" tabindex="-1" data-testid="routing-message">${this.message}</p>` : ''}
      ${this.asking ? this.dialog(this.asking) : ''}
    </div>`;
  }

  // An editor's region is drawn anew when it opens, closes or its lists changed; otherwise a
  // data change leaves it as typed (data-keep).
  formKey(what) { return `${this.editing[what] ?? 'closed'}-${this.dataStamp}`; }

  // The thing being edited: a fresh one (`blank`) for 'new', else the listed one.
  editedItem(what, blank) {
    const id = this.editing[what];
    if (!id) return null;
    return id === 'new' ? blank : this.items(what).find((x) => x.id === id) || null;
  }

  newButton(what) {
    return html`<p><button type="button" data-edit="${what}" data-id="new" data-testid="${what}-new">+ ${t(`routing.${what}.new`)}</button></p>`;
  }

  // "Ändra" and "Ta bort" on a row; the item's name for screen readers.
  rowButtons(what, item, extra = '') {
    const named = html`<span class="visually-hidden"> ${item.name}</span>`;
    return html`<button type="button" class="small-button" data-edit="${what}" data-id="${item.id}" data-testid="${what}-edit">${t('routing.edit')}${named}</button>
      ${extra}
      <button type="button" class="small-button danger-button" data-delete="${what}" data-id="${item.id}" data-testid="${what}-delete">${t('routing.delete')}${named}</button>`;
  }

  formButtons(what) {
    return html`<p class="error" id="${what}-error" data-error-for="${what}" role="alert"></p>
      <div class="row wrap">
        <button type="submit" class="primary" data-testid="${what}-save">${t(`routing.${what}.save`)}</button>
        ${what in this.paths ? html`<button type="button" data-act="edit-cancel" data-what="${what}">${t('routing.cancel')}</button>` : ''}
      </div>`;
  }

  async edit(event, button) {
    const what = button.dataset.edit;
    if (!(what in this.paths)) return;
    this.editing = { ...this.editing, [what]: button.dataset.id };
    this.message = null;
    this.stamp += 1;
    await this.refresh();
    this.querySelector(`#${what}-form-h`)?.focus();
  }

  async editCancel(event, button) {
    const what = button.dataset.what;
    const id = this.editing[what];
    this.editing = { ...this.editing, [what]: undefined };
    await this.refresh();
    this.refocus(what, id);
  }

  // Back where the person came from: the row's "Ändra", or "Ny ...".
  refocus(what, id) {
    const el = id && id !== 'new' ? this.querySelector(`[data-edit="${what}"][data-id="${CSS.escape(id)}"]`) : null;
    (el || this.querySelector(`[data-testid="${what}-new"]`))?.focus();
  }

  // What is wrong, under the form (role=alert), and the field to fix focused.
  fieldError(what, text, focus) {
    const el = this.querySelector(`[data-error-for="${what}"]`);
    if (el) el.textContent = text;
    for (const field of this.querySelectorAll(`[data-form="${what}"] [aria-invalid]`)) field.removeAttribute('aria-invalid');
    if (focus?.name) focus.setAttribute('aria-invalid', 'true');
    focus?.focus();
  }

  // Save what the form says; refused: the form stays as typed with the server's reason under
  // it. Saved: the editor closes, the lists are read again and `said(saved)` is said.
  async save(what, form, call, said) {
    let saved;
    try {
      saved = await call();
    } catch (error) {
      return this.fieldError(what, errorText(error), form.querySelector('[type="submit"]'));
    }
    if (what in this.paths) this.editing = { ...this.editing, [what]: undefined };
    this.message = said(saved);
    this.messageKind = 'ok';
    await this.load();
    this.focusMessage();
  }

  saveItem(what, form, body, said) {
    const id = this.editing[what] === 'new' ? null : this.editing[what];
    return this.save(what, form, () => api.routingSave(this.paths[what], id, body, this.orgParam), said);
  }

  // A change from a row's button (activate, pause): said above the lists, the focus back on
  // the same button of the same row.
  async rowChange(button, call, said) {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await call();
      this.message = said;
      this.messageKind = 'ok';
    } catch (error) {
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    const again = this.querySelector(`[data-act="${button.dataset.act}"][data-id="${CSS.escape(button.dataset.id)}"]`);
    again?.focus();
    announce(this.message);
  }

  focusMessage() {
    const el = this.querySelector('[data-testid="routing-message"]');
    if (el) { el.focus(); announce(el.textContent); }
  }

  // -- deleting, after a confirmation --------------------------------------------------------
  dialog(a) {
    return html`<dialog class="confirm-dialog" data-testid="routing-dialog" aria-labelledby="routing-ask-h" aria-describedby="routing-ask-text">
      <h2 id="routing-ask-h">${t(`routing.${a.what}.delete_title`, { name: a.name })}</h2>
      <p id="routing-ask-text">${t(`routing.${a.what}.delete_text`)}</p>
      <div class="row wrap">
        <button type="button" class="danger-button" data-act="delete-confirm" data-testid="routing-delete-confirm">${t('routing.delete')}</button>
        <button type="button" data-act="delete-cancel" data-testid="routing-delete-cancel">${t('routing.cancel')}</button>
      </div></dialog>`;
  }

  async askDelete(event, button) {
    const what = button.dataset.delete;
    const item = this.items(what).find((x) => x.id === button.dataset.id);
    if (!item) return;
    this.message = null;
    this.asking = { what, id: item.id, name: item.name };
    this.stamp += 1;
    await this.refresh();
  }

  // Escape in the dialog is "Avbryt".
  dialogKey(event) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    return this.cancelDelete();
  }

  async cancelDelete() {
    const a = this.asking;
    this.asking = null;
    this.message = t('desk.plan.cancelled');
    this.messageKind = '';
    this.stamp += 1;
    await this.refresh();
    if (a) this.querySelector(`[data-delete="${a.what}"][data-id="${CSS.escape(a.id)}"]`)?.focus();
  }

  async confirmDelete(event, button) {
    const a = this.asking;
    if (!a || button.disabled) return;
    button.disabled = true;
    this.asking = null;
    try {
      await api.routingDelete(this.paths[a.what], a.id, this.orgParam);
      if (this.editing[a.what] === a.id) this.editing = { ...this.editing, [a.what]: undefined };
      this.message = t(`routing.${a.what}.deleted`, { name: a.name });
      this.messageKind = 'ok';
    } catch (error) {
      // The server's refusal in words (an area a rule uses; a schedule that made orders).
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    this.focusMessage();
  }

  afterRender(root) {
    const dialog = root.querySelector('dialog[data-testid="routing-dialog"]');
    if (dialog && !dialog.open) {
      dialog.showModal();
      // The safe choice first: Enter on an open dialog does not delete.
      dialog.querySelector('[data-act="delete-cancel"]')?.focus();
    }
  }
}
