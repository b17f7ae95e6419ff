// The planner's assignment rules (issue 13, seeds 003/004): the ordered list that places every
// new order (the first active rule that matches decides; none matches: the planner's queue),
// and on the same screen the responsibility areas (districts, postcode prefixes, addresses)
// and the fitter groups (a queue shared by several fitters) the rules name. Online only, like
// the rest of the desk: every change is one call to server/routing/routes.py, then the lists
// are read again. A rule moves up or down with buttons (keyboard first), saved with the order
// call; a delete is confirmed in a dialog. An administrator chooses the fitters' company.
import { t } from '../i18n.js';
import { html, announce, kindLabel } from '../ui.js';
import * as api from '../desk/api.js';
import { errorText } from '../desk/view.js';
import { RoutingEditor } from '../desk/routing-editor.js';
import { AREA_KINDS, ORDER_KINDS, areaKindLabel, ruleMatches, targetText } from '../desk/routing-view.js';

// An area's values shown in its row (the rest counted): a postcode list can be long.
const VALUES_SHOWN = 8;

class DeskRules extends RoutingEditor {
  static events = [
    ...RoutingEditor.events,
    ['click', '[data-move]', 'move'],
    ['click', '[data-act="toggle-rule"]', 'toggleRule'],
    ['submit', '[data-form="rule"]', 'saveRule'],
    ['submit', '[data-form="area"]', 'saveArea'],
    ['submit', '[data-form="group"]', 'saveGroup'],
  ];

  get paths() { return { rule: 'rules', area: 'areas', group: 'groups' }; }

  items(what) { return { rule: this.rules, area: this.areas, group: this.groups }[what] || []; }

  async fetch(org) {
    const [rules, areas, groups, providers, fitters] = await Promise.all([
      api.routingList('rules', org), api.routingList('areas', org), api.routingList('groups', org),
      api.routingProviders(org), api.fitters(),
    ]);
    // An administrator sees every company's fitters: only the chosen company's may be named.
    return { rules, areas, groups, providers, fitters: org ? fitters.filter((f) => f.organisation_id === org) : fitters };
  }

  get lookups() {
    return { areas: this.areas, providers: this.providers, fitters: this.fitters, groups: this.groups };
  }

  async view() {
    return html`<h1 tabindex="-1">${t('routing.rules.title')}</h1>
      <p class="routing-lead" data-testid="rules-explained">${t('routing.rules.explained')}</p>
      ${this.orgChooser()}
      ${this.messageRegion()}
      <section aria-labelledby="rules-h" class="routing-part">
        <h2 id="rules-h">${t('routing.rules.list')}</h2>
        <div data-region="rules" data-key="${this.dataStamp}">${this.ruleTable()}</div>
        <div data-region="rule-form" data-key="${this.formKey('rule')}" data-keep>${this.ruleEditor()}</div>
      </section>
      <div class="routing-parts">
        <section aria-labelledby="areas-h" class="routing-part">
          <h2 id="areas-h">${t('routing.areas.title')}</h2>
          <p class="muted">${t('routing.areas.help')}</p>
          <div data-region="areas" data-key="${this.dataStamp}">${this.areaTable()}</div>
          <div data-region="area-form" data-key="${this.formKey('area')}" data-keep>${this.areaEditor()}</div>
        </section>
        <section aria-labelledby="groups-h" class="routing-part">
          <h2 id="groups-h">${t('routing.groups.title')}</h2>
          <p class="muted">${t('routing.groups.help')}</p>
          <div data-region="groups" data-key="${this.dataStamp}">${this.groupTable()}</div>
          <div data-region="group-form" data-key="${this.formKey('group')}" data-keep>${this.groupEditor()}</div>
        </section>
      </div>`;
  }

  // -- the rules ---------------------------------------------------------------------------
  ruleTable() {
    if (!this.rules) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    if (!this.rules.length) return html`<p class="empty" data-testid="rules-empty">${t('routing.rules.none')}</p>${this.newButton('rule')}`;
    const last = this.rules.length - 1;
    return html`<table class="admin-table routing-table" data-testid="rule-list">
      <caption class="visually-hidden">${t('routing.rules.caption')}</caption>
      <thead><tr><th scope="col">${t('routing.col.position')}</th><th scope="col">${t('routing.col.rule')}</th>
        <th scope="col">${t('routing.col.matches')}</th><th scope="col">${t('routing.col.sends_to')}</th>
        <th scope="col">${t('routing.col.active')}</th><th scope="col">${t('routing.col.order')}</th>
        <th scope="col"><span class="visually-hidden">${t('routing.col.actions')}</span></th></tr></thead>
      <tbody>${this.rules.map((r, i) => html`<tr data-testid="rule-row" data-rule-id="${r.id}" class="${r.active ? '' : 'inactive'}">
        <td data-testid="rule-position">${i + 1}</td>
        <th scope="row" data-testid="rule-name">${r.name}</th>
        <td>${ruleMatches(r, this.lookups)}</td>
        <td>${targetText({ fitterId: r.fitter_id, groupId: r.group_id }, this.lookups)}</td>
        <td><span data-testid="rule-active" class="flag ${r.active ? 'ok' : ''}">${t(r.active ? 'routing.active.on' : 'routing.active.off')}</span>
          <br><button type="button" class="small-button" data-act="toggle-rule" data-id="${r.id}" data-testid="rule-toggle">${t(r.active ? 'routing.deactivate' : 'routing.activate')}<span class="visually-hidden"> ${r.name}</span></button></td>
        <td class="nowrap">
          <button type="button" class="small-button" data-move="up" data-id="${r.id}" data-testid="rule-up" ${i === 0 ? 'disabled' : ''}>
            <span aria-hidden="true">↑</span> ${t('routing.move.up')}<span class="visually-hidden"> ${r.name}</span></button>
          <button type="button" class="small-button" data-move="down" data-id="${r.id}" data-testid="rule-down" ${i === last ? 'disabled' : ''}>
            <span aria-hidden="true">↓</span> ${t('routing.move.down')}<span class="visually-hidden"> ${r.name}</span></button>
        </td>
        <td class="routing-actions">${this.rowButtons('rule', r)}</td></tr>`)}</tbody></table>
      ${this.newButton('rule')}`;
  }

  ruleEditor() {
    const r = this.editedItem('rule', { name: '', kinds: [], active: true });
    if (!r) return '';
    const id = this.editing.rule;
    const target = r.fitter_id ? `fitter:${r.fitter_id}` : r.group_id ? `group:${r.group_id}` : '';
    return html`<form class="card stack routing-form" data-form="rule" data-no-draft novalidate aria-labelledby="rule-form-h" data-testid="rule-form">
      <h3 id="rule-form-h" tabindex="-1">${id === 'new' ? t('routing.rule.new') : t('routing.rule.change', { name: r.name })}</h3>
      <div class="field"><label for="rule-name">${t('routing.rule.name')}</label>
        <input id="rule-name" name="name" maxlength="200" required value="${r.name}" aria-describedby="rule-name-hint rule-error">
        <p class="hint muted" id="rule-name-hint">${t('routing.rule.name_hint')}</p></div>
      <div class="routing-grid">
        <div class="field"><label for="rule-area">${t('routing.rule.area')}</label>
          <select id="rule-area" name="area_id"><option value="">${t('routing.rule.any_area')}</option>
            ${(this.areas || []).map((a) => html`<option value="${a.id}" ${a.id === r.area_id ? 'selected' : ''}>${a.name} (${areaKindLabel(a.kind)})</option>`)}</select></div>
        <div class="field"><label for="rule-provider">${t('routing.rule.provider')}</label>
          <select id="rule-provider" name="provider_id"><option value="">${t('routing.rule.any_provider')}</option>
            ${(this.providers || []).map((p) => html`<option value="${p.id}" ${p.id === r.provider_id ? 'selected' : ''}>${p.name}</option>`)}</select></div>
      </div>
      <fieldset aria-describedby="rule-kinds-hint"><legend>${t('routing.rule.kinds')}</legend>
        <p class="hint muted" id="rule-kinds-hint">${t('routing.rule.kinds_hint')}</p>
        <div class="routing-checks">${ORDER_KINDS.map((k) => html`<label class="choice"><input type="checkbox" name="kinds" value="${k}"
          ${(r.kinds || []).includes(k) ? 'checked' : ''} data-testid="rule-kind-${k}"> ${kindLabel(k)}</label>`)}</div>
      </fieldset>
      <div class="field"><label for="rule-target">${t('routing.rule.target')}</label>
        <select id="rule-target" name="target" required aria-describedby="rule-target-hint rule-error">
          <option value="">${t('routing.rule.choose_target')}</option>
          <optgroup label="${t('routing.rule.fitters')}">${(this.fitters || []).map((f) => html`<option value="fitter:${f.id}"
            ${target === `fitter:${f.id}` ? 'selected' : ''}>${f.full_name}</option>`)}</optgroup>
          ${(this.groups || []).length ? html`<optgroup label="${t('routing.rule.groups')}">${this.groups.map((g) => html`<option value="group:${g.id}"
            ${target === `group:${g.id}` ? 'selected' : ''}>${g.name}</option>`)}</optgroup>` : ''}
        </select>
        <p class="hint muted" id="rule-target-hint">${t('routing.rule.target_hint')}</p></div>
      <label class="choice"><input type="checkbox" name="active" ${r.active ? 'checked' : ''} data-testid="rule-active-box"> ${t('routing.rule.active')}</label>
      ${this.formButtons('rule')}
    </form>`;
  }

  ruleBody(rule, changes = {}) {
    const { name, area_id, kinds, provider_id, fitter_id, group_id, active } = { ...rule, ...changes };
    return { name, area_id: area_id || null, kinds: kinds || [], provider_id: provider_id || null, fitter_id: fitter_id || null, group_id: group_id || null, active };
  }

  saveRule(event, form) {
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    const target = String(data.get('target') || '');
    if (!name) return this.fieldError('rule', t('routing.rule.need_name'), form.elements.name);
    if (!target) return this.fieldError('rule', t('routing.rule.need_target'), form.elements.target);
    const [kind, targetId] = target.split(':');
    const body = this.ruleBody({
      name, area_id: data.get('area_id'), provider_id: data.get('provider_id'), kinds: data.getAll('kinds').map(String),
      fitter_id: kind === 'fitter' ? targetId : null, group_id: kind === 'group' ? targetId : null, active: data.get('active') === 'on',
    });
    return this.saveItem('rule', form, body, (saved) => t('routing.rule.saved', { name: saved.name }));
  }

  async move(event, button) {
    if (button.disabled || !this.rules) return;
    const ids = this.rules.map((r) => r.id);
    const from = ids.indexOf(button.dataset.id);
    const to = from + (button.dataset.move === 'up' ? -1 : 1);
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to], ids[from]];
    const name = this.rules[from].name;
    button.disabled = true;
    try {
      this.rules = await api.reorderRules(ids, this.orgParam);
      this.message = t('routing.rule.moved', { name, n: to + 1, total: ids.length });
      this.messageKind = 'ok';
      this.stamp += 1;
      this.dataStamp += 1;
      await this.refresh();
    } catch (error) {
      // Refused (someone else changed the list meanwhile): the list as it now is.
      this.message = errorText(error);
      this.messageKind = 'warn';
      await this.load();
    }
    // The keyboard stays with the rule that moved: on the same button, or the other one where
    // it reached the top or the bottom.
    const row = this.querySelector(`[data-rule-id="${CSS.escape(button.dataset.id)}"]`);
    const same = row?.querySelector(`[data-move="${button.dataset.move}"]`);
    (same && !same.disabled ? same : row?.querySelector('[data-move]:not([disabled])'))?.focus();
    announce(this.message);
  }

  toggleRule(event, button) {
    const rule = this.rules?.find((r) => r.id === button.dataset.id);
    if (!rule) return;
    const active = !rule.active;
    return this.rowChange(button, () => api.routingSave('rules', rule.id, this.ruleBody(rule, { active }), this.orgParam),
      t(active ? 'routing.rule.activated' : 'routing.rule.deactivated', { name: rule.name }));
  }

  // -- areas -------------------------------------------------------------------------------
  areaTable() {
    if (!this.areas) return '';
    if (!this.areas.length) return html`<p class="empty" data-testid="areas-empty">${t('routing.areas.none')}</p>${this.newButton('area')}`;
    return html`<table class="admin-table routing-table" data-testid="area-list">
      <caption class="visually-hidden">${t('routing.areas.title')}</caption>
      <thead><tr><th scope="col">${t('routing.col.name')}</th><th scope="col">${t('routing.col.covers')}</th>
        <th scope="col"><span class="visually-hidden">${t('routing.col.actions')}</span></th></tr></thead>
      <tbody>${this.areas.map((a) => html`<tr data-testid="area-row" data-area-id="${a.id}">
        <th scope="row">${a.name}<br><span class="muted">${areaKindLabel(a.kind)}</span></th>
        <td>${a.values.slice(0, VALUES_SHOWN).join(', ')}${a.values.length > VALUES_SHOWN ? html` <span class="muted">${t('routing.areas.more', { n: a.values.length - VALUES_SHOWN })}</span>` : ''}</td>
        <td class="routing-actions">${this.rowButtons('area', a)}</td></tr>`)}</tbody></table>
      ${this.newButton('area')}`;
  }

  areaEditor() {
    const a = this.editedItem('area', { name: '', kind: 'district', values: [] });
    if (!a) return '';
    const id = this.editing.area;
    return html`<form class="card stack routing-form" data-form="area" data-no-draft novalidate aria-labelledby="area-form-h" data-testid="area-form">
      <h3 id="area-form-h" tabindex="-1">${id === 'new' ? t('routing.area.new') : t('routing.area.change', { name: a.name })}</h3>
      <div class="field"><label for="area-name">${t('routing.area.name')}</label>
        <input id="area-name" name="name" maxlength="200" required value="${a.name}" aria-describedby="area-error"></div>
      <fieldset><legend>${t('routing.area.kind')}</legend>
        <div class="routing-checks">${AREA_KINDS.map((k) => html`<label class="choice"><input type="radio" name="kind" value="${k}"
          ${a.kind === k ? 'checked' : ''} data-testid="area-kind-${k}"> ${areaKindLabel(k)}</label>`)}</div></fieldset>
      <div class="field"><label for="area-values">${t('routing.area.values')}</label>
        <textarea id="area-values" name="values" rows="6" required aria-describedby="area-values-hint area-error">${a.values.join('\n')}</textarea>
        <ul class="hint muted" id="area-values-hint">${AREA_KINDS.map((k) => html`<li>${t(`routing.area.hint.${k}`)}</li>`)}</ul></div>
      ${this.formButtons('area')}
    </form>`;
  }

  saveArea(event, form) {
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    const values = String(data.get('values') || '').split('\n').map((v) => v.trim()).filter(Boolean);
    if (!name) return this.fieldError('area', t('routing.area.need_name'), form.elements.name);
    if (!values.length) return this.fieldError('area', t('routing.area.need_values'), form.elements.values);
    const body = { name, kind: String(data.get('kind') || 'district'), values };
    return this.saveItem('area', form, body, (saved) => t('routing.area.saved', { name: saved.name, n: saved.values.length }));
  }

  // -- groups ------------------------------------------------------------------------------
  groupTable() {
    if (!this.groups) return '';
    if (!this.groups.length) return html`<p class="empty" data-testid="groups-empty">${t('routing.groups.none')}</p>${this.newButton('group')}`;
    const names = (g) => g.members.map((id) => this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'))
      .sort((x, y) => x.localeCompare(y));
    return html`<table class="admin-table routing-table" data-testid="group-list">
      <caption class="visually-hidden">${t('routing.groups.title')}</caption>
      <thead><tr><th scope="col">${t('routing.col.name')}</th><th scope="col">${t('routing.col.fitters')}</th>
        <th scope="col"><span class="visually-hidden">${t('routing.col.actions')}</span></th></tr></thead>
      <tbody>${this.groups.map((g) => html`<tr data-testid="group-row" data-group-id="${g.id}">
        <th scope="row">${g.name}</th>
        <td>${g.members.length ? names(g).join(', ') : html`<span class="muted">${t('routing.group.no_members')}</span>`}</td>
        <td class="routing-actions">${this.rowButtons('group', g)}</td></tr>`)}</tbody></table>
      ${this.newButton('group')}`;
  }

  groupEditor() {
    const g = this.editedItem('group', { name: '', members: [] });
    if (!g) return '';
    const id = this.editing.group;
    return html`<form class="card stack routing-form" data-form="group" data-no-draft novalidate aria-labelledby="group-form-h" data-testid="group-form">
      <h3 id="group-form-h" tabindex="-1">${id === 'new' ? t('routing.group.new') : t('routing.group.change', { name: g.name })}</h3>
      <div class="field"><label for="group-name">${t('routing.group.name')}</label>
        <input id="group-name" name="name" maxlength="200" required value="${g.name}" aria-describedby="group-error"></div>
      <fieldset aria-describedby="group-members-hint"><legend>${t('routing.group.members')}</legend>
        <p class="hint muted" id="group-members-hint">${t('routing.group.members_hint')}</p>
        <div class="routing-checks">${(this.fitters || []).map((f) => html`<label class="choice"><input type="checkbox" name="members" value="${f.id}"
          ${g.members.includes(f.id) ? 'checked' : ''}> ${f.full_name}</label>`)}</div></fieldset>
      ${this.formButtons('group')}
    </form>`;
  }

  saveGroup(event, form) {
    const data = new FormData(form);
    const name = String(data.get('name') || '').trim();
    if (!name) return this.fieldError('group', t('routing.group.need_name'), form.elements.name);
    const body = { name, members: data.getAll('members').map(String) };
    return this.saveItem('group', form, body, (saved) => t('routing.group.saved', { name: saved.name, n: saved.members.length }));
  }
}

customElements.define('lw-desk-rules', DeskRules);
