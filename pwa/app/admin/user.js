// /admin/users/:id: one user's roles and areas, the account on or off (with a confirmation),
// and a new password (made here and shown once, or typed), which ends the user's sessions.
import { t } from '../i18n.js';
import { html, announce } from '../ui.js';
import { route } from '../router.js';
import * as api from './api.js';
import {
  AdminScreen, field, showProblems, refusalProblems, problemText, newPassword, roleLabel, kindLabel,
  copy,
} from './common.js';
import { MIN_PASSWORD, splitAreas, passwordOnce } from './users.js';
import '../screens/devices.js';

class AdminUser extends AdminScreen {
  static events = [
    ['click', '[data-reload]', 'reload'],
    ['submit', 'form[data-form="roles"]', 'saveRoles'],
    ['click', '[data-ask-active]', 'askActive'],
    ['click', '[data-confirm-active]', 'setActive'],
    ['click', '[data-cancel]', 'cancel'],
    ['click', '[data-generate-password]', 'generatePassword'],
    ['submit', 'form[data-form="password"]', 'typedPassword'],
    ['click', '[data-copy]', 'copyPassword'],
  ];

  async load() {
    const user = await api.user(this.getAttribute('id'));
    const orgs = await api.organisations();
    this.state.user = user;
    this.state.org = orgs.items.find((o) => o.id === user.organisation_id) || null;
  }

  view() {
    const u = this.state.user;
    return html`<div class="admin">
      <p class="back"><a href="/admin/users">${t('admin.users.back')}</a></p>
      <h1 tabindex="-1">${u ? u.full_name : t('admin.users.user')}</h1>
      ${this.loadState()}
      ${u ? html`<p class="muted">${u.username} · ${this.state.org?.name || ''}
        ${this.state.org ? html`(${kindLabel(this.state.org.kind)})` : ''}
        ${u.email ? html` · ${u.email}` : ''}${u.phone ? html` · ${u.phone}` : ''}</p>
      <div class="admin-panes">${this.rolesPart(u)}${this.accountPart(u)}${this.passwordPart(u)}
        <lw-devices user-id="${u.id}"></lw-devices></div>` : ''}
    </div>`;
  }

  rolesPart(u) {
    const allowed = api.rolesFor(this.state.org?.kind);
    // A role the user holds that no longer fits is shown too, so saving can take it away.
    const offered = [...new Set([...allowed, ...u.roles])];
    return html`<section class="card" aria-labelledby="ur-h">
      <h2 id="ur-h">${t('admin.user.roles_title')}</h2>
      <form class="stack" data-form="roles" novalidate>
        <fieldset aria-describedby="ur-roles-error"><legend>${t('admin.users.roles')}</legend>
          ${offered.map((r) => html`<label class="choice"><input type="checkbox" name="roles" value="${r}"
            data-testid="user-role-${r}" ${u.roles.includes(r) ? 'checked' : ''}> ${roleLabel(r)}</label>`)}
          <p class="error" id="ur-roles-error" data-error-for="roles"></p></fieldset>
        ${field('ur-areas', 'areas', t('admin.users.areas'), { value: u.areas.join(', '), hint: t('admin.users.areas_hint'), attrs: 'data-testid="user-areas"' })}
        <p class="error" role="alert" data-error-for=""></p>
        <p class="ok-text" role="status" data-saved></p>
        <button type="submit" class="primary" data-testid="user-save-roles">${t('admin.save')}</button>
      </form></section>`;
  }

  accountPart(u) {
    const asking = this.state.askingActive;
    const name = u.full_name;
    return html`<section class="card" aria-labelledby="ua-h" data-testid="user-account">
      <h2 id="ua-h">${t('admin.user.account_title')}</h2>
      <p data-testid="user-active-state">${u.active ? html`<span class="flag ok">${t('admin.users.active')}</span> ${t('admin.user.active_text')}`
        : html`<span class="flag danger">${t('admin.users.disabled')}</span> ${t('admin.user.disabled_text')}`}</p>
      ${asking ? html`<p class="warn" id="ua-confirm">${t(u.active ? 'admin.user.confirm_disable' : 'admin.user.confirm_enable', { name })}</p>
        <p class="row wrap"><button type="button" class="primary" data-confirm-active aria-describedby="ua-confirm"
          data-testid="user-active-confirm">${t(u.active ? 'admin.user.disable_yes' : 'admin.user.enable_yes')}</button>
        <button type="button" class="secondary" data-cancel>${t('admin.cancel')}</button></p>`
        : html`<button type="button" class="secondary" data-ask-active data-testid="user-active-toggle">${t(u.active ? 'admin.user.disable' : 'admin.user.enable')}</button>`}
      <p class="error" role="alert" data-active-error>${this.state.activeError || ''}</p>
    </section>`;
  }

  passwordPart(u) {
    const shown = this.state.password;
    return html`<section class="card" aria-labelledby="up-h" data-testid="user-password">
      <h2 id="up-h">${t('admin.user.password_title')}</h2>
      <p>${t('admin.user.password_text')}</p>
      ${shown ? html`<div class="admin-done" data-testid="password-set" tabindex="-1">
        <p class="ok-text">${t('admin.user.password_set', { name: u.full_name })}</p>
        ${shown.made ? passwordOnce(u, shown.password) : ''}</div>` : ''}
      <p><button type="button" class="primary" data-generate-password data-testid="user-generate-password">${t('admin.user.make_password')}</button></p>
      <form class="stack" data-form="password" novalidate>
        ${field('up-password', 'password', t('admin.user.type_password'), { type: 'password', autocomplete: 'new-password', hint: t('admin.users.password_hint', { n: MIN_PASSWORD }), attrs: 'data-testid="user-password-input"' })}
        <p class="error" role="alert" data-error-for=""></p>
        <button type="submit" class="secondary" data-testid="user-password-submit">${t('admin.user.save_password')}</button>
      </form></section>`;
  }

  async saveRoles(e, form) {
    const roles = [...form.querySelectorAll('[name="roles"]:checked')].map((b) => b.value);
    form.querySelector('[data-saved]').textContent = '';
    if (showProblems(form, roles.length ? {} : { roles: t('admin.users.need_role') })) return;
    try {
      this.state.user = await api.changeUser(this.state.user.id, { roles, areas: splitAreas(form.elements.areas.value) });
      this.render();
      this.querySelector('[data-form="roles"] [data-saved]').textContent = t('admin.saved');
    } catch (error) {
      showProblems(form, refusalProblems(form, error));
    }
  }

  askActive() {
    this.state.askingActive = true;
    this.state.activeError = '';
    this.render();
    this.querySelector('[data-confirm-active]')?.focus();
  }

  cancel() {
    this.state.askingActive = false;
    this.render();
    this.querySelector('[data-ask-active]')?.focus();
  }

  async setActive() {
    const u = this.state.user;
    try {
      this.state.user = await api.changeUser(u.id, { active: !u.active });
      this.state.activeError = '';
      announce(t(u.active ? 'admin.user.disabled_now' : 'admin.user.enabled_now', { name: u.full_name }));
    } catch (error) {
      this.state.activeError = problemText(error);
    }
    this.state.askingActive = false;
    this.render();
    this.querySelector('[data-ask-active]')?.focus();
  }

  async generatePassword() {
    await this.setPassword(newPassword(), true, this.querySelector('form[data-form="password"]'));
  }

  async typedPassword(e, form) {
    const password = form.elements.password.value;
    if (password.length < MIN_PASSWORD) {
      showProblems(form, { password: t('admin.users.password_short', { n: MIN_PASSWORD }) });
      return;
    }
    await this.setPassword(password, false, form);
  }

  async setPassword(password, made, form) {
    try {
      this.state.user = await api.setPassword(this.state.user.id, password);
      this.state.password = { password, made };
      this.render();
      this.querySelector('[data-testid="password-set"]')?.focus();
      announce(t('admin.user.password_set', { name: this.state.user.full_name }));
    } catch (error) {
      showProblems(form, refusalProblems(form, error));
    }
  }

  async copyPassword(e, button) {
    announce(await copy(button.dataset.copy) ? t('admin.copied') : t('admin.copy_failed'));
  }
}

customElements.define('lw-admin-user', AdminUser);
route('/admin/users/:id', 'lw-admin-user', { roles: ['admin'] });
