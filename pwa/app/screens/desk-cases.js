// Fault reports at the planner's desk (issue 13, seeds 003/004): what residents, relatives and
// caretakers reported on the public page /f, without login, sometimes from a QR label on the
// lock. A report is a case, never an order by itself: the planner reads it (text, photo, who
// to call), then makes an order from it ("Skapa order": the kind chosen, the customer and lock
// from the label) or closes it with an answer ("Stäng med svar"). The reporter reads the
// status and the answer through the follow link of their receipt.
//
// /desk/cases: the list, new ones first by default (new | triaged | closed | all).
// /desk/cases/:id: one case and its two actions.
import { t, tOr, fmtDateTime } from '../i18n.js';
import { html, Screen, announce, kindLabel, telLink } from '../ui.js';
import * as api from '../desk/cases-api.js';
import { errorText } from '../desk/view.js';

const FILTERS = ['new', 'triaged', 'closed', 'all'];
const KINDS = ['service', 'battery', 'inspection', 'installation', 'removal'];
// A list shows the start of each report; the case shows all of it.
const SNIPPET = 140;

export const caseStatusLabel = (s) => tOr(`cases.status.${s}`, s);
const relationLabel = (r) => (r ? tOr(`cases.relation.${r}`, r) : '');
const snippet = (text) => (text.length > SNIPPET ? `${text.slice(0, SNIPPET - 1)}…` : text);

class DeskCases extends Screen {
  static events = [['click', '[data-filter]', 'choose']];

  connectedCallback() {
    const asked = new URLSearchParams(location.search).get('status');
    this.filter = FILTERS.includes(asked) ? asked : 'new';
    this.stamp = 0;
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      this.page = await api.cases(this.filter === 'all' ? undefined : this.filter);
      this.loadError = null;
    } catch (error) {
      this.page = null;
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    await this.refresh();
  }

  async view() {
    const items = this.page?.items;
    return html`<h1 tabindex="-1">${t('cases.title')}</h1>
      <p class="muted">${t('cases.intro')}</p>
      <div class="row wrap filter-buttons" role="group" aria-label="${t('cases.filter')}">
        ${FILTERS.map((f) => html`<button type="button" class="${f === this.filter ? 'primary' : 'secondary'}" data-filter="${f}"
          aria-pressed="${f === this.filter ? 'true' : 'false'}" data-testid="cases-filter-${f}">${t(`cases.filter.${f}`)}</button>`)}
      </div>
      <div data-region="cases" data-key="${this.stamp}">
        ${this.loadError ? html`<p class="error" role="alert" data-testid="cases-error">${this.loadError}</p>` : ''}
        ${!items ? (this.loadError ? '' : html`<p>${t('loading')}</p>`) : items.length ? this.table(items)
          : html`<p class="empty" data-testid="cases-empty">${t(`cases.none.${this.filter}`)}</p>`}
      </div>`;
  }

  table(items) {
    const more = this.page.total > items.length;
    return html`<p data-testid="cases-count">${t(this.page.total === 1 ? 'cases.count.one' : 'cases.count', { n: this.page.total })}
        ${more ? html` ${t('cases.count.shown', { n: items.length })}` : ''}</p>
      <table class="activity cases" data-testid="case-list">
        <caption class="visually-hidden">${t('cases.title')}</caption>
        <thead><tr><th scope="col">${t('cases.col.number')}</th><th scope="col">${t('cases.col.received')}</th>
          <th scope="col">${t('cases.col.text')}</th><th scope="col">${t('cases.col.reporter')}</th>
          <th scope="col">${t('cases.col.where')}</th><th scope="col">${t('cases.col.status')}</th></tr></thead>
        <tbody>${items.map((c) => html`<tr data-testid="case-${c.number}" data-case-id="${c.id}">
          <th scope="row"><a href="/desk/cases/${c.id}" data-testid="case-link">${c.number}</a></th>
          <td>${fmtDateTime(c.received_at)}</td>
          <td>${snippet(c.text)}${c.has_photo ? html` <span class="flag">${t('cases.has_photo')}</span>` : ''}</td>
          <td>${c.reporter_name}${c.reporter_relation ? html`<br><span class="muted">${relationLabel(c.reporter_relation)}</span>` : ''}</td>
          <td>${c.lock_serial ? html`${t('cases.lock_serial', { serial: c.lock_serial })}<br>` : ''}${c.customer_name || html`<span class="muted">${t('cases.no_customer')}</span>`}
            ${c.from_qr ? html`<br><span class="muted">${t('cases.from_qr')}</span>` : ''}</td>
          <td>${caseStatusLabel(c.status)}${c.order_reference ? html`<br><span class="muted">${c.order_reference}</span>` : ''}</td>
        </tr>`)}</tbody>
      </table>`;
  }

  async choose(event, button) {
    this.filter = button.dataset.filter;
    history.replaceState(null, '', `/desk/cases${this.filter === 'new' ? '' : `?status=${this.filter}`}`);
    this.page = null;
    await this.refresh();
    await this.load();
    this.querySelector(`[data-filter="${this.filter}"]`)?.focus();
  }
}

class DeskCase extends Screen {
  static events = [
    ['submit', '[data-form="case-order"]', 'makeOrder'],
    ['submit', '[data-form="case-close"]', 'close'],
    ['change', '[name="customer_id"]', 'customerChosen'],
    ['click', '[data-act="more-customers"]', 'moreCustomers'],
  ];

  get caseId() { return this.getAttribute('id'); }

  connectedCallback() {
    this.stamp = 0;
    this.dataStamp = 0;
    super.connectedCallback();
    this.load();
  }

  async load() {
    try {
      this.fault = await api.fault(this.caseId);
      this.loadError = null;
      // A case with no customer from a label: the planner chooses one of the customers the
      // desk knows (the one named by a label otherwise, and the others on request).
      if (!this.fault.customer && !this.customers) this.customers = await api.customers().catch(() => []);
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  async view() {
    const c = this.fault;
    const back = html`<p class="back"><a href="/desk/cases" data-testid="back-to-cases">← ${t('cases.back')}</a></p>`;
    if (!c) {
      return html`${back}<h1 tabindex="-1">${t('cases.case')}</h1>
        ${this.loadError ? html`<p class="error" role="alert">${this.loadError}</p>` : html`<p>${t('loading')}</p>`}`;
    }
    const r = c.reporter;
    return html`${back}
      <h1 tabindex="-1">${t('cases.case_title', { number: c.number })}</h1>
      <div data-region="facts" data-key="${this.dataStamp}">
        <dl class="pairs" data-testid="case-facts">
          <dt>${t('cases.fact.status')}</dt><dd data-testid="case-status">${caseStatusLabel(c.status)}</dd>
          <dt>${t('cases.fact.received')}</dt><dd>${fmtDateTime(c.received_at)}</dd>
          <dt>${t('cases.fact.lock')}</dt><dd data-testid="case-lock">${c.lock ? t('cases.lock_serial', { serial: c.lock.serial }) : t('cases.unknown')}
            ${c.from_qr ? html`<br><span class="muted">${t('cases.from_qr')}</span>` : ''}</dd>
          <dt>${t('cases.fact.customer')}</dt><dd data-testid="case-customer">${c.customer
            ? html`${c.customer.name}<br><span class="muted">${[c.customer.street_address, [c.customer.postal_code, c.customer.city].filter(Boolean).join(' ')].filter(Boolean).join(', ')}</span>`
            : t('cases.no_customer')}</dd>
          ${c.order ? html`<dt>${t('cases.fact.order')}</dt><dd><a href="/desk/orders/${c.order.id}" data-testid="case-order-link">${c.order.reference}</a>
            ${c.triaged_at ? html`<br><span class="muted">${t('cases.triaged_by', { name: c.triaged_by_name || '', time: fmtDateTime(c.triaged_at) })}</span>` : ''}</dd>` : ''}
          ${c.answer ? html`<dt>${t('cases.fact.answer')}</dt><dd class="prewrap" data-testid="case-answer">${c.answer}
            ${c.closed_at ? html`<br><span class="muted">${t('cases.closed_by', { name: c.closed_by_name || '', time: fmtDateTime(c.closed_at) })}</span>` : ''}</dd>` : ''}
        </dl>
      </div>
      <div class="case-report" data-region="report" data-key="${this.dataStamp}">
        <section class="card" aria-labelledby="case-text-h">
          <h2 id="case-text-h">${t('cases.text_title')}</h2>
          <p class="prewrap" data-testid="case-text">${c.text}</p>
          ${c.photo ? html`<p><a href="${c.photo.url}" target="_blank" rel="noopener" data-testid="case-photo-link">
            <img class="case-photo" src="${c.photo.url}" width="${c.photo.width}" height="${c.photo.height}"
              alt="${t('cases.photo_alt', { number: c.number })}" data-testid="case-photo"></a></p>` : html`<p class="muted">${t('cases.no_photo')}</p>`}
        </section>
        <section class="card" aria-labelledby="case-reporter-h" data-testid="case-reporter">
          <h2 id="case-reporter-h">${t('cases.reporter_title')}</h2>
          <dl class="pairs">
            <dt>${t('cases.fact.name')}</dt><dd>${r.name}${r.relation ? html` <span class="muted">(${relationLabel(r.relation)})</span>` : ''}</dd>
            ${r.phone ? html`<dt>${t('cases.fact.phone')}</dt><dd><a class="tel" href="${telLink(r.phone)}" data-testid="case-phone">${r.phone}</a></dd>` : ''}
            ${r.email ? html`<dt>${t('cases.fact.email')}</dt><dd><a href="mailto:${r.email}" data-testid="case-email">${r.email}</a></dd>` : ''}
            <dt>${t('cases.fact.language')}</dt><dd>${tOr(`cases.language.${c.language}`, c.language)}</dd>
          </dl>
        </section>
      </div>
      <div data-region="message" data-key="${this.stamp}">
        ${this.message ? html`<p class="notice-inline ${this.messageKind || ''}" role="status" tabindex="-1" data-testid="case-message">${this.message}</p>` : ''}
      </div>
      <div class="desk-actions" data-region="actions" data-key="${this.dataStamp}" data-keep>
        ${(c.allowed_actions || []).includes('make_order') ? this.orderForm(c) : ''}
        ${(c.allowed_actions || []).includes('close') ? this.closeForm(c) : ''}
        ${c.status === 'closed' ? html`<p class="muted" data-testid="case-closed">${t('cases.closed')}</p>` : ''}
      </div>`;
  }

  customerOptions(c) {
    const list = [];
    if (c.customer) list.push({ id: c.customer.id, name: c.customer.name, street_address: c.customer.street_address });
    for (const x of (this.customers || []).slice().sort((a, b) => a.name.localeCompare(b.name))) {
      if (!list.some((y) => y.id === x.id)) list.push(x);
    }
    return html`${c.customer ? '' : html`<option value="">${t('cases.order.choose_customer')}</option>`}
      ${list.map((x) => html`<option value="${x.id}" ${c.customer && x.id === c.customer.id ? 'selected' : ''}>${x.name}${x.street_address ? `, ${x.street_address}` : ''}</option>`)}`;
  }

  lockOptions(locks, chosen) {
    return html`<option value="">${t('cases.order.no_lock')}</option>
      ${locks.map((l) => html`<option value="${l.id}" ${l.id === chosen ? 'selected' : ''}>${l.serial}${l.kind === 'entrance' ? ` (${t('cases.order.entrance')})` : ''}</option>`)}`;
  }

  orderForm(c) {
    return html`<form class="card stack" data-form="case-order" data-no-draft aria-labelledby="case-order-h" novalidate>
      <h2 id="case-order-h">${t('cases.order.title')}</h2>
      <p class="muted">${t('cases.order.help')}</p>
      <label for="co-kind">${t('cases.order.kind')}</label>
      <select id="co-kind" name="kind" aria-describedby="co-kind-error" data-testid="case-order-kind">
        <option value="">${t('cases.order.choose_kind')}</option>
        ${KINDS.map((k) => html`<option value="${k}">${kindLabel(k)}</option>`)}</select>
      <p class="error" id="co-kind-error" data-error-for="kind"></p>
      <label for="co-customer">${t('cases.order.customer')}</label>
      <select id="co-customer" name="customer_id" aria-describedby="co-customer-error" data-testid="case-order-customer">${this.customerOptions(c)}</select>
      <p class="error" id="co-customer-error" data-error-for="customer_id"></p>
      ${c.customer && !this.customers ? html`<button type="button" class="secondary" data-act="more-customers" data-testid="case-more-customers">${t('cases.order.other_customer')}</button>` : ''}
      <label for="co-lock">${t('cases.order.lock')}</label>
      <select id="co-lock" name="lock_id" data-testid="case-order-lock">${this.lockOptions(c.customer ? c.customer_locks : [], c.lock?.id)}</select>
      <label for="co-description">${t('cases.order.description')}</label>
      <p class="muted" id="co-description-hint">${t('cases.order.description_hint')}</p>
      <textarea id="co-description" name="description" rows="3" maxlength="4000" aria-describedby="co-description-hint"></textarea>
      <label for="co-answer">${t('cases.order.answer')}</label>
      <p class="muted" id="co-answer-hint">${t('cases.order.answer_hint')}</p>
      <textarea id="co-answer" name="answer" rows="2" maxlength="2000" aria-describedby="co-answer-hint"></textarea>
      <p class="error" data-error-for="case-order" role="alert" data-testid="case-order-error"></p>
      <button type="submit" class="primary" data-testid="case-make-order">${t('cases.order.button')}</button>
    </form>`;
  }

  closeForm() {
    return html`<form class="card stack" data-form="case-close" data-no-draft aria-labelledby="case-close-h" novalidate>
      <h2 id="case-close-h">${t('cases.close.title')}</h2>
      <p class="muted" id="cc-help">${t('cases.close.help')}</p>
      <label for="cc-answer">${t('cases.close.answer')}</label>
      <textarea id="cc-answer" name="answer" rows="4" maxlength="2000" aria-describedby="cc-help cc-error" data-testid="case-close-answer"></textarea>
      <p class="error" id="cc-error" data-error-for="case-close" role="alert" data-testid="case-close-error"></p>
      <button type="submit" data-testid="case-close">${t('cases.close.button')}</button>
    </form>`;
  }

  // -- actions -----------------------------------------------------------------------------
  async moreCustomers(event, button) {
    button.disabled = true;
    this.customers = await api.customers().catch(() => []);
    const select = this.querySelector('[name="customer_id"]');
    const chosen = select.value;
    select.innerHTML = String(this.customerOptions(this.fault));
    select.value = chosen;
    button.remove();
    select.focus();
  }

  async customerChosen(event, select) {
    const lock = this.querySelector('[name="lock_id"]');
    const c = this.fault;
    let locks = [];
    if (c.customer && select.value === c.customer.id) locks = c.customer_locks;
    else if (select.value) locks = await api.locksOf(select.value).catch(() => []);
    lock.innerHTML = String(this.lockOptions(locks, c.customer && select.value === c.customer.id ? c.lock?.id : null));
  }

  formError(form, name, text) {
    const el = form.querySelector(`[data-error-for="${name}"]`);
    if (el) el.textContent = text || '';
    const field = form.querySelector(`[name="${name}"]`);
    if (field) {
      if (text) field.setAttribute('aria-invalid', 'true');
      else field.removeAttribute('aria-invalid');
    }
  }

  async makeOrder(event, form) {
    for (const name of ['kind', 'customer_id', 'case-order']) this.formError(form, name, '');
    const data = new FormData(form);
    const body = {
      kind: data.get('kind'),
      customer_id: data.get('customer_id'),
      lock_id: data.get('lock_id') || null,
      description: String(data.get('description') || '').trim(),
      answer: String(data.get('answer') || '').trim(),
    };
    if (!body.kind) this.formError(form, 'kind', t('cases.order.need_kind'));
    if (!body.customer_id) this.formError(form, 'customer_id', t('cases.order.need_customer'));
    if (!body.kind || !body.customer_id) {
      form.querySelector('[aria-invalid="true"]')?.focus();
      return;
    }
    try {
      const made = await api.makeOrder(this.caseId, body);
      this.message = html`${t('cases.order.made', { ref: made.order_reference })} <a href="/desk/orders/${made.order_id}" data-testid="case-made-order">${t('cases.order.open')}</a>`;
      this.messageKind = 'ok';
      await this.load();
      this.focusMessage();
    } catch (error) {
      const field = error.body?.field;
      if (field === 'customer_id' || field === 'kind') this.formError(form, field, errorText(error));
      else this.formError(form, 'case-order', errorText(error));
      announce(errorText(error));
    }
  }

  async close(event, form) {
    this.formError(form, 'case-close', '');
    const answer = String(new FormData(form).get('answer') || '').trim();
    if (!answer) {
      this.formError(form, 'case-close', t('cases.close.need_answer'));
      form.querySelector('[name="answer"]').setAttribute('aria-invalid', 'true');
      form.querySelector('[name="answer"]').focus();
      return;
    }
    try {
      await api.close(this.caseId, answer);
      this.message = t('cases.close.done', { number: this.fault.number });
      this.messageKind = 'ok';
      await this.load();
      this.focusMessage();
    } catch (error) {
      this.formError(form, 'case-close', errorText(error));
      announce(errorText(error));
    }
  }

  focusMessage() {
    const el = this.querySelector('[data-testid="case-message"]');
    if (el) { el.focus(); announce(el.textContent); }
  }
}

customElements.define('lw-desk-cases', DeskCases);
customElements.define('lw-desk-case', DeskCase);
