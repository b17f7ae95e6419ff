// /admin/organisations: every organisation with its kind and addresses; an administrator
// changes the name and the addresses the server lets them (e.g. the completion copy address,
// Seniorguide, which gets a copy of every completion mail).
import { t } from '../i18n.js';
import { html, announce } from '../ui.js';
import { route } from '../router.js';
import * as api from './api.js';
import {
  AdminScreen, field, showProblems, refusalProblems, kindLabel, EMAIL, PHONE,
} from './common.js';

// What PATCH /api/organisations/{id} may change (OrganisationPatch), in the order shown.
const FIELDS = [
  { name: 'name', type: 'text' },
  { name: 'email', type: 'email' },
  { name: 'phone', type: 'tel' },
  { name: 'completion_copy_email', type: 'email' },
  { name: 'administration_email', type: 'email' },
];
const KNOWN = {
  '409 name': 'admin.orgs.name_taken',
  '400 email': 'admin.bad_email',
  '400 completion_copy_email': 'admin.bad_email',
  '400 administration_email': 'admin.bad_email',
  '400 phone': 'admin.bad_phone',
};

class AdminOrganisations extends AdminScreen {
  static events = [
    ['click', '[data-reload]', 'reload'],
    ['click', '[data-edit]', 'edit'],
    ['click', '[data-cancel]', 'cancel'],
    ['submit', 'form[data-form="organisation"]', 'save'],
  ];

  async load() {
    const orgs = await api.organisations();
    this.state.orgs = orgs.items;
    this.state.cut = orgs.total > orgs.items.length;
  }

  view() {
    return html`<div class="admin">
      <p class="back"><a href="/admin">${t('admin.back')}</a></p>
      <h1 tabindex="-1">${t('admin.organisations.title')}</h1>
      <p>${t('admin.orgs.intro')}</p>
      ${this.loadState()}
      ${this.state.cut ? html`<p class="warn">${t('admin.cut')}</p>` : ''}
      ${this.state.orgs ? html`<ul class="admin-cards" data-testid="admin-orgs">
        ${this.state.orgs.map((o) => (this.state.editing === o.id ? this.form(o) : this.card(o)))}</ul>` : ''}
    </div>`;
  }

  card(o) {
    const value = (v) => v || html`<span class="muted">${t('admin.orgs.none')}</span>`;
    return html`<li class="card" data-testid="admin-org" data-org-id="${o.id}">
      <h2 id="org-${o.id}" class="card-title">${o.name}</h2>
      <p class="muted">${kindLabel(o.kind)}</p>
      <dl class="stacked-pairs">${FIELDS.slice(1).map((f) => html`<dt>${t(`admin.orgs.${f.name}`)}</dt>
        <dd data-field="${f.name}">${value(o[f.name])}</dd>`)}</dl>
      ${this.state.saved === o.id ? html`<p class="ok-text" role="status">${t('admin.saved')}</p>` : ''}
      <button type="button" class="secondary" data-edit="${o.id}" data-testid="admin-org-edit"
        aria-label="${t('admin.orgs.edit_x', { name: o.name })}">${t('admin.orgs.edit')}</button></li>`;
  }

  form(o) {
    return html`<li class="card" data-testid="admin-org" data-org-id="${o.id}">
      <form class="stack" data-form="organisation" data-id="${o.id}" novalidate aria-labelledby="org-form-${o.id}">
        <h2 id="org-form-${o.id}" class="card-title">${t('admin.orgs.editing', { name: o.name })}</h2>
        ${FIELDS.map((f) => field(`org-${f.name}`, f.name, t(`admin.orgs.${f.name}`), {
          type: f.type, value: o[f.name], attrs: `data-testid="org-${f.name}"`,
          hint: f.name === 'completion_copy_email' ? t('admin.orgs.copy_hint') : f.name === 'name' ? '' : t('admin.optional'),
        }))}
        <p class="error" role="alert" data-error-for=""></p>
        <p class="row wrap"><button type="submit" class="primary" data-testid="admin-org-save">${t('admin.save')}</button>
          <button type="button" class="secondary" data-cancel>${t('admin.cancel')}</button></p>
      </form></li>`;
  }

  edit(e, button) {
    this.state.editing = button.dataset.edit;
    this.state.saved = null;
    this.render();
    this.querySelector('form [name="name"]')?.focus();
  }

  cancel() {
    const id = this.state.editing;
    this.state.editing = null;
    this.render();
    this.querySelector(`[data-edit="${id}"]`)?.focus();
  }

  async save(e, form) {
    const fields = Object.fromEntries(FIELDS.map((f) => [f.name, form.elements[f.name].value.trim()]));
    const problems = {};
    if (!fields.name) problems.name = t('admin.orgs.need_name');
    for (const f of FIELDS) if (f.type === 'email' && !EMAIL.test(fields[f.name])) problems[f.name] = t('admin.bad_email');
    if (!PHONE.test(fields.phone)) problems.phone = t('admin.bad_phone');
    if (showProblems(form, problems)) return;
    try {
      const changed = await api.changeOrganisation(form.dataset.id, fields);
      this.state.orgs = this.state.orgs.map((o) => (o.id === changed.id ? changed : o));
      this.state.editing = null;
      this.state.saved = changed.id;
      this.render();
      this.querySelector(`[data-edit="${changed.id}"]`)?.focus();
      announce(t('admin.orgs.saved', { name: changed.name }));
    } catch (error) {
      showProblems(form, refusalProblems(form, error, KNOWN));
    }
  }
}

customElements.define('lw-admin-organisations', AdminOrganisations);
route('/admin/organisations', 'lw-admin-organisations', { roles: ['admin'] });
