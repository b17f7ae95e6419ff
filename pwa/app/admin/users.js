// /admin/users: every user with organisation, roles, areas and whether the account is on;
// /admin/users/new: add a user (roles that fit the organisation's kind, a first password).
import { t } from '../i18n.js';
import { html, announce } from '../ui.js';
import { route } from '../router.js';
import * as api from './api.js';
import {
  AdminScreen, field, showProblems, refusalProblems, newPassword, roleLabel, kindLabel, copy,
  EMAIL, PHONE, USERNAME,
} from './common.js';

// Refusals the screen says in the person's words rather than the server's English.
const KNOWN = {
  '409 username': 'admin.users.username_taken',
  '400 username': 'admin.users.bad_username',
  '400 email': 'admin.bad_email',
  '400 phone': 'admin.bad_phone',
};

export const MIN_PASSWORD = 10; // the server's password rule (server/accounts/schemas.py)

export const splitAreas = (text) => [...new Set(String(text).split(',').map((a) => a.trim()).filter(Boolean))];

class AdminUsers extends AdminScreen {
  static events = [
    ['click', '[data-reload]', 'reload'],
    ['input', '[name="q"]', 'filter'],
    ['change', '[name="org"]', 'filter'],
  ];

  async load() {
    const [users, orgs] = await Promise.all([api.users(), api.organisations()]);
    this.state.users = users.items;
    this.state.cut = users.total > users.items.length;
    this.state.orgs = Object.fromEntries(orgs.items.map((o) => [o.id, o]));
  }

  filter() {
    this.querySelector('[data-part="table"]').innerHTML = String(this.table());
  }

  view() {
    const orgs = Object.values(this.state.orgs || {});
    return html`<div class="admin">
      <p class="back"><a href="/admin">${t('admin.back')}</a></p>
      <h1 tabindex="-1">${t('admin.users.title')}</h1>
      <p><a class="button primary" href="/admin/users/new" data-testid="admin-new-user">${t('admin.users.new')}</a></p>
      ${this.loadState()}
      ${this.state.users ? html`<div class="admin-filters" role="search">
        <div class="field"><label for="u-q">${t('admin.users.search')}</label>
          <input id="u-q" name="q" type="search" autocomplete="off" data-testid="admin-user-search"></div>
        <div class="field"><label for="u-org">${t('admin.users.organisation')}</label>
          <select id="u-org" name="org"><option value="">${t('admin.users.all_orgs')}</option>
          ${orgs.map((o) => html`<option value="${o.id}">${o.name}</option>`)}</select></div>
      </div>
      ${this.state.cut ? html`<p class="warn">${t('admin.cut')}</p>` : ''}
      <div data-part="table">${this.table()}</div>` : ''}</div>`;
  }

  table() {
    const q = (this.querySelector('[name="q"]')?.value || '').trim().toLowerCase();
    const org = this.querySelector('[name="org"]')?.value || '';
    const rows = (this.state.users || []).filter((u) => (!org || u.organisation_id === org)
      && (!q || `${u.full_name} ${u.username}`.toLowerCase().includes(q)));
    if (!rows.length) return html`<p class="empty" role="status">${t('admin.users.none')}</p>`;
    return html`<p class="muted" role="status">${t(rows.length === 1 ? 'admin.users.count_one' : 'admin.users.count', { n: rows.length })}</p>
    <table class="admin-table" data-testid="admin-users">
      <caption class="visually-hidden">${t('admin.users.title')}</caption>
      <thead><tr><th scope="col">${t('admin.users.name')}</th><th scope="col">${t('admin.users.username')}</th>
        <th scope="col">${t('admin.users.organisation')}</th><th scope="col">${t('admin.users.roles')}</th>
        <th scope="col">${t('admin.users.areas')}</th><th scope="col">${t('admin.users.state')}</th></tr></thead>
      <tbody>${rows.map((u) => html`<tr data-testid="admin-user-row" data-username="${u.username}">
        <th scope="row" data-label="${t('admin.users.name')}"><a href="/admin/users/${u.id}" data-testid="admin-user-link">${u.full_name}</a></th>
        <td data-label="${t('admin.users.username')}">${u.username}</td>
        <td data-label="${t('admin.users.organisation')}">${this.state.orgs[u.organisation_id]?.name || ''}</td>
        <td data-label="${t('admin.users.roles')}">${u.roles.map(roleLabel).join(', ')}</td>
        <td data-label="${t('admin.users.areas')}">${u.areas.join(', ') || '–'}</td>
        <td data-label="${t('admin.users.state')}" data-testid="admin-user-state">${u.active
          ? html`<span class="flag ok">${t('admin.users.active')}</span>`
          : html`<span class="flag danger">${t('admin.users.disabled')}</span>`}</td></tr>`)}</tbody>
    </table>`;
  }
}

class AdminNewUser extends AdminScreen {
  static events = [
    ['click', '[data-reload]', 'reload'],
    ['change', '[name="organisation_id"]', 'chooseOrg'],
    ['click', '[data-generate]', 'generate'],
    ['click', '[data-copy]', 'copyPassword'],
    ['click', '[data-another]', 'another'],
    ['submit', 'form[data-form="new-user"]', 'create'],
  ];

  async load() {
    const orgs = await api.organisations();
    this.state.orgs = orgs.items;
  }

  view() {
    const done = this.state.created;
    return html`<div class="admin">
      <p class="back"><a href="/admin/users">${t('admin.users.back')}</a></p>
      <h1 tabindex="-1">${t('admin.users.new')}</h1>
      ${this.loadState()}
      ${done ? this.created(done) : this.state.orgs ? this.form() : ''}</div>`;
  }

  form() {
    const orgs = this.state.orgs;
    return html`<form class="admin-form" data-form="new-user" novalidate>
      <div class="field"><label for="nu-org">${t('admin.users.organisation')}</label>
        <select id="nu-org" name="organisation_id" aria-describedby="nu-org-error" data-testid="new-user-org">
          <option value="">${t('admin.users.choose_org')}</option>
          ${orgs.map((o) => html`<option value="${o.id}" data-kind="${o.kind}">${o.name} (${kindLabel(o.kind)})</option>`)}
        </select>
        <p class="error" id="nu-org-error" data-error-for="organisation_id"></p></div>
      ${field('nu-username', 'username', t('admin.users.username'), { hint: t('admin.users.username_hint'), attrs: 'autocapitalize="none" spellcheck="false" data-testid="new-user-username"' })}
      ${field('nu-name', 'full_name', t('admin.users.full_name'), { attrs: 'data-testid="new-user-name"' })}
      <fieldset aria-describedby="nu-roles-error" data-part="roles">${this.roles('')}</fieldset>
      ${field('nu-email', 'email', t('admin.users.email'), { type: 'email', hint: t('admin.optional') })}
      ${field('nu-phone', 'phone', t('admin.users.phone'), { type: 'tel', hint: t('admin.optional') })}
      ${field('nu-areas', 'areas', t('admin.users.areas'), { hint: t('admin.users.areas_hint') })}
      ${field('nu-password', 'password', t('admin.users.password'), { hint: t('admin.users.password_hint', { n: MIN_PASSWORD }), autocomplete: 'new-password', attrs: 'spellcheck="false" autocapitalize="none" data-testid="new-user-password"' })}
      <p><button type="button" class="secondary" data-generate data-testid="new-user-generate">${t('admin.users.generate')}</button></p>
      <p class="error" role="alert" data-error-for=""></p>
      <button type="submit" class="primary" data-testid="new-user-submit">${t('admin.users.create')}</button>
    </form>`;
  }

  roles(kind) {
    const allowed = api.rolesFor(kind);
    return html`<legend>${t('admin.users.roles')}</legend>
      ${kind ? '' : html`<p class="muted">${t('admin.users.roles_after_org')}</p>`}
      ${allowed.map((r) => html`<label class="choice"><input type="checkbox" name="roles" value="${r}"
        data-testid="new-user-role-${r}" ${allowed.length === 1 ? 'checked' : ''}> ${roleLabel(r)}</label>`)}
      <p class="error" id="nu-roles-error" data-error-for="roles"></p>`;
  }

  chooseOrg(e, select) {
    const kind = select.selectedOptions[0]?.dataset.kind || '';
    this.querySelector('[data-part="roles"]').innerHTML = String(this.roles(kind));
  }

  generate() {
    const input = this.querySelector('[name="password"]');
    input.value = newPassword();
    input.focus();
    announce(t('admin.users.generated'));
  }

  async create(e, form) {
    const v = (name) => form.elements[name].value.trim();
    const fields = {
      organisation_id: v('organisation_id'),
      username: v('username'),
      full_name: v('full_name'),
      roles: [...form.querySelectorAll('[name="roles"]:checked')].map((b) => b.value),
      email: v('email'),
      phone: v('phone'),
      areas: splitAreas(v('areas')),
      password: form.elements.password.value,
    };
    const problems = {};
    if (!fields.organisation_id) problems.organisation_id = t('admin.users.need_org');
    if (!USERNAME.test(fields.username)) problems.username = t('admin.users.bad_username');
    if (!fields.full_name) problems.full_name = t('admin.users.need_name');
    if (fields.organisation_id && !fields.roles.length) problems.roles = t('admin.users.need_role');
    if (!EMAIL.test(fields.email)) problems.email = t('admin.bad_email');
    if (!PHONE.test(fields.phone)) problems.phone = t('admin.bad_phone');
    if (fields.password.length < MIN_PASSWORD) problems.password = t('admin.users.password_short', { n: MIN_PASSWORD });
    if (showProblems(form, problems)) return;
    try {
      const created = await api.createUser(fields);
      this.state.created = { user: created, password: fields.password };
      this.render();
      this.querySelector('h2')?.focus();
      announce(t('admin.users.created', { name: created.full_name }));
    } catch (error) {
      showProblems(form, refusalProblems(form, error, KNOWN));
    }
  }

  created({ user, password }) {
    return html`<section class="card admin-done" aria-labelledby="nu-done-h" data-testid="new-user-done">
      <h2 id="nu-done-h" tabindex="-1">${t('admin.users.created', { name: user.full_name })}</h2>
      ${passwordOnce(user, password)}
      <p class="row wrap"><a class="button primary" href="/admin/users/${user.id}">${t('admin.users.open', { name: user.full_name })}</a>
        <button type="button" class="secondary" data-another>${t('admin.users.another')}</button></p>
    </section>`;
  }

  async copyPassword(e, button) {
    announce(await copy(button.dataset.copy) ? t('admin.copied') : t('admin.copy_failed'));
  }

  another() {
    this.state.created = null;
    this.render();
    this.querySelector('select')?.focus();
  }
}

// The password to hand over, shown once, with a copy button.
export function passwordOnce(user, password) {
  return html`<p>${t('admin.users.password_for', { username: user.username })}</p>
    <p class="row wrap"><output class="secret" data-testid="password-once">${password}</output>
      <button type="button" class="secondary" data-copy="${password}">${t('admin.copy')}</button></p>
    <p class="warn">${t('admin.users.password_once')}</p>`;
}

customElements.define('lw-admin-users', AdminUsers);
customElements.define('lw-admin-new-user', AdminNewUser);
route('/admin/users', 'lw-admin-users', { roles: ['admin'] });
route('/admin/users/new', 'lw-admin-new-user', { roles: ['admin'] });
