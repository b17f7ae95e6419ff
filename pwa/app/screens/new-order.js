// A new order (home-care staff), one step at a time: what kind of job, which customer (and
// lock), the checklist of seed 000 one question per step, the details the fitter needs, and a
// summary before sending. An answer that stops the order (the lock case is the customer's own
// responsibility, ...) says why at once and what to do instead; the server checks it all again
// and its answer is what counts. Placing an order needs the server: it is not queued offline.
import { t, getLang } from '../i18n.js';
import { html, Screen, announce, kindLabel } from '../ui.js';
import { route, nav, go, currentUser } from '../router.js';
import * as store from '../store.js';
import * as sync from '../sync.js';
import { postJson, ApiError, NetworkError } from '../api.js';
import { CHECKLIST, checklistRequired, refusalFor } from '../checklist.js';
import { RULES } from '../rules.js';
import { lowBattery } from './lock-status.js';

const KINDS = ['service', 'battery', 'installation', 'removal', 'inspection'];
// The kinds done on a lock the customer already has (server/orders/lifecycle.py).
const ON_EXISTING_LOCK = RULES.kinds_on_existing_lock;
// Above this many customers the list gets a search box (a phone screen shows about eight).
const SEARCH_FROM = 8;
const QUESTION = 'q:';
const step0 = (step) => step.split(':')[0];

// The seed's own texts (checklist.js) in the chosen language, Swedish as the fallback.
const pick = (item) => item[getLang()] ?? item.sv;

// What the orderer has answered so far; kept per tab while the app is open, so a language
// switch, a sync or a trip to another screen does not lose a half-filled order.
const draft = {
  kind: null, customerId: null, lockId: null, answers: {}, answeredByLock: {}, step: 'kind', history: [],
  description: '', customer_best_times: '', provider_best_times: '',
  feedback_name: null, feedback_email: null, feedback_phone: null,
  error: null, sending: false, returnToSummary: false,
};

function resetDraft(kind = null, customerId = null) {
  Object.assign(draft, {
    kind, customerId, lockId: null, answers: {}, answeredByLock: {}, step: 'kind', history: [],
    description: '', customer_best_times: '', provider_best_times: '',
    feedback_name: null, feedback_email: null, feedback_phone: null, error: null, sending: false, returnToSummary: false,
  });
}

const online = () => sync.state.online !== false && navigator.onLine;

class NewOrder extends Screen {
  static events = [
    ['click', '[data-back]', 'previous'],
    ['click', '[data-goto]', 'change'],
    ['click', '[data-kind]', 'chooseKind'],
    ['click', '[data-customer]', 'pickCustomer'],
    ['click', '[data-lock]', 'pickLock'],
    ['click', '[data-answer]', 'pickAnswer'],
    ['click', '[data-install]', 'orderInstallation'],
    ['click', '[data-switch]', 'switchToBattery'],
    ['click', '[data-change]', 'changeAnswer'],
    ['click', '[data-send]', 'send'],
    ['click', '[data-testid="refusal-done"]', 'close'],
    ['input', '#customer-search', 'filterCustomers'],
    ['input', '[data-form="details"]', 'typeDetails'],
    ['submit', '[data-form="details"]', 'submitDetails'],
  ];

  connectedCallback() {
    this.onStatus = () => { if (draft.step === 'summary') this.refresh(); };
    sync.status.addEventListener('change', this.onStatus);
    addEventListener('online', this.onStatus);
    addEventListener('offline', this.onStatus);
    // /orders/new?kind=battery&customer=ID&lock=LOCK (from the locks screen) starts a fresh
    // order there, for that lock (checked against the customer's installed locks in view()).
    const params = new URLSearchParams(location.search);
    if (params.get('kind') || params.get('customer')) {
      resetDraft(KINDS.includes(params.get('kind')) ? params.get('kind') : null, params.get('customer'));
      draft.lockId = params.get('lock');
      history.replaceState(null, '', '/orders/new');
      draft.step = draft.kind ? 'customer' : 'kind';
      if (draft.kind) draft.history = ['kind'];
      // Both given: go straight on to the first question once the data is read.
      this.preselected = Boolean(draft.kind && draft.customerId);
    }
    super.connectedCallback();
  }

  disconnectedCallback() {
    sync.status.removeEventListener('change', this.onStatus);
    removeEventListener('online', this.onStatus);
    removeEventListener('offline', this.onStatus);
    super.disconnectedCallback();
  }

  // -- which steps this order has ----------------------------------------------------------
  steps() {
    const steps = ['kind', 'customer'];
    if (this.needsLockChoice()) steps.push('lock');
    if (checklistRequired(draft.kind)) {
      steps.push(...CHECKLIST.filter((q) => !draft.answeredByLock[q.key]).map((q) => QUESTION + q.key));
    }
    steps.push('details', 'summary');
    return steps;
  }

  installedLocks(customerId = draft.customerId) {
    return (this.locks || []).filter((l) => l.customer_id === customerId && l.state === 'installed');
  }

  needsLockChoice() {
    return ON_EXISTING_LOCK.includes(draft.kind) && this.installedLocks().length > 1;
  }

  async view() {
    const [customers, locks] = await Promise.all([store.all('customer'), store.all('lock')]);
    this.customers = customers.sort((a, b) => a.name.localeCompare(b.name, 'sv'));
    this.locks = locks;
    if (this.preselected) {
      this.preselected = false;
      const known = customers.some((c) => c.id === draft.customerId);
      // A lock named in the address counts only if it is installed at that customer.
      if (!this.installedLocks().some((l) => l.id === draft.lockId)) draft.lockId = null;
      // A battery order from a lock's own low reading: the battery question is answered by
      // the lock (issue 16), and the summary says so.
      const fromLock = locks.find((l) => l.id === draft.lockId);
      if (draft.kind === 'battery' && fromLock && lowBattery(fromLock)) {
        draft.answers.battery_checked = 'needs_replacement';
        draft.answeredByLock = { battery_checked: fromLock.battery_percent };
      }
      if (known && (!ON_EXISTING_LOCK.includes(draft.kind) || this.installedLocks().length)) {
        const steps = this.steps();
        // The lock chosen already: on past the lock step (back still leads to it).
        const chosen = draft.lockId && steps.includes('lock') ? 'lock' : 'customer';
        draft.history = chosen === 'lock' ? ['kind', 'customer', 'lock'] : ['kind', 'customer'];
        draft.step = steps[steps.indexOf(chosen) + 1];
      }
    }
    const user = currentUser() || {};
    draft.feedback_name ??= user.full_name || '';
    draft.feedback_email ??= user.email || '';
    draft.feedback_phone ??= user.phone || '';
    const steps = this.steps();
    const chosen = step0(draft.step) !== 'customer' ? this.customers.find((c) => c.id === draft.customerId) : null;
    const step = draft.step.startsWith('refusal:') ? draft.step : steps.includes(draft.step) ? draft.step : 'kind';
    const number = steps.indexOf(step.startsWith('refusal:') ? QUESTION + step.slice(8) : step) + 1;
    return html`<h1 tabindex="-1">${t('new.title')}</h1>
      <p class="muted step-count" data-testid="step-count">${draft.kind ? html`<strong data-testid="order-kind">${kindLabel(draft.kind)}</strong>${chosen ? html` · <span data-testid="order-customer">${chosen.name}</span>` : ''} · ${t('new.step_of', { n: number, total: steps.length })}` : t('new.step', { n: number })}</p>
      <div data-region="step" data-key="${[step, online(), draft.sending, draft.error?.text || ''].join('|')}">${this.stepView(step)}</div>`;
  }

  stepView(step) {
    if (step === 'kind') return this.kindStep();
    if (step === 'customer') return this.customerStep();
    if (step === 'lock') return this.lockStep();
    if (step.startsWith(QUESTION)) return this.questionStep(step.slice(QUESTION.length));
    if (step.startsWith('refusal:')) return this.refusalStep(step.slice(8));
    if (step === 'details') return this.detailsStep();
    return this.summaryStep();
  }

  back() {
    return html`<div class="step-nav"><button type="button" class="secondary" data-back data-testid="step-back">← ${t('new.back')}</button></div>`;
  }

  // -- the steps -----------------------------------------------------------------------------
  kindStep() {
    return html`<fieldset class="step" data-testid="step-kind">
      <legend><h2 tabindex="-1">${t('new.kind_q')}</h2></legend>
      <div class="choices">${KINDS.map((k) => html`<button type="button" class="choice-button${draft.kind === k ? ' chosen' : ''}"
        data-kind="${k}" data-testid="kind-${k}" aria-pressed="${draft.kind === k}">
        <strong>${kindLabel(k)}</strong><span>${t(`new.kind_help.${k}`)}</span></button>`)}</div>
    </fieldset>`;
  }

  customerStep() {
    if (!this.customers.length) {
      return html`<h2 tabindex="-1">${t('new.customer_q')}</h2>
        <p class="empty" data-testid="no-customers">${t('new.no_customers')}</p>${this.back()}`;
    }
    const search = this.customers.length >= SEARCH_FROM;
    return html`<fieldset class="step" data-testid="step-customer">
      <legend><h2 tabindex="-1">${t('new.customer_q')}</h2></legend>
      ${search ? html`<label for="customer-search">${t('new.customer_search')}</label>
        <input id="customer-search" type="search" autocomplete="off" data-testid="customer-search">` : ''}
      <ul class="choices plain" data-testid="customer-choices">${this.customers.map((c) => html`<li data-name="${`${c.name} ${c.street_address} ${c.city}`.toLowerCase()}">
        <button type="button" class="choice-button${draft.customerId === c.id ? ' chosen' : ''}" data-customer="${c.id}"
          aria-pressed="${draft.customerId === c.id}"><strong>${c.name}</strong><span>${[c.street_address, c.city].filter(Boolean).join(', ')}</span></button></li>`)}</ul>
      <p class="muted" data-testid="customer-none" hidden>${t('new.customer_none')}</p>
    </fieldset>
    ${draft.error?.step === 'customer' ? html`<div class="notice-inline warn" role="alert" data-testid="customer-error"><p>${draft.error.text}</p>
      ${draft.kind !== 'installation' ? html`<button type="button" class="secondary" data-install>${t('new.order_installation')}</button>` : ''}</div>` : ''}
    ${this.back()}`;
  }

  lockStep() {
    return html`<fieldset class="step" data-testid="step-lock">
      <legend><h2 tabindex="-1">${t('new.lock_q')}</h2></legend>
      <div class="choices">${this.installedLocks().map((l) => html`<button type="button" class="choice-button${draft.lockId === l.id ? ' chosen' : ''}"
        data-lock="${l.id}" aria-pressed="${draft.lockId === l.id}"><strong>${l.serial}</strong>
        <span>${t(`lock.kind.${l.kind}`)} · ${l.model}</span></button>`)}</div>
    </fieldset>${this.back()}`;
  }

  questionStep(key) {
    const q = CHECKLIST.find((x) => x.key === key);
    const index = CHECKLIST.indexOf(q) + 1;
    return html`<fieldset class="step" data-testid="question-${key}">
      <legend><span class="muted">${t('new.check_n', { n: index, total: CHECKLIST.length })}</span>
        <h2 tabindex="-1">${pick(q)}</h2></legend>
      <div class="choices">${q.answers.map((a) => html`<button type="button" class="choice-button${draft.answers[key] === a.value ? ' chosen' : ''}"
        data-answer="${a.value}" data-testid="answer-${key}-${a.value}" aria-pressed="${draft.answers[key] === a.value}">
        <strong>${pick(a)}</strong></button>`)}</div>
    </fieldset>${this.back()}`;
  }

  refusalStep(key) {
    const refusal = refusalFor(draft.kind, key, draft.answers[key]);
    if (!refusal) return this.questionStep(key);
    const toBattery = refusal.code === 'battery_order_needed';
    return html`<section class="refusal" role="alert" data-testid="checklist-refusal" data-code="${refusal.code}">
      <h2 tabindex="-1">${t('new.refused_title')}</h2>
      <p data-testid="refusal-reason">${pick(refusal)}</p>
      ${refusal.code === 'lock_case_customer_responsibility' ? html`<p>${t('new.refused_lock_case_next')}</p>` : ''}
    </section>
    <div class="stack">
      ${toBattery ? html`<button type="button" class="primary big" data-switch="battery" data-testid="switch-to-battery">${t('new.switch_battery')}</button>` : ''}
      <button type="button" class="secondary" data-change="${key}" data-testid="change-answer">${t('new.change_answer')}</button>
      <a class="button secondary" href="/" data-testid="refusal-done">${t('new.refused_close')}</a>
    </div>`;
  }

  detailsStep() {
    const required = draft.kind === 'service';
    return html`<form class="stack step" data-form="details" data-testid="step-details" novalidate>
      <h2 tabindex="-1">${t('new.details_title')}</h2>
      <label for="o-desc">${this.descriptionLabel()}${required ? html` <span class="muted">(${t('new.required')})</span>` : ''}</label>
      <p id="o-desc-help" class="muted">${t(`new.description_help.${draft.kind}`)}</p>
      <textarea id="o-desc" name="description" rows="5" maxlength="4000" aria-describedby="o-desc-help o-desc-error" ${required ? 'required' : ''}>${draft.description}</textarea>
      <p class="error" id="o-desc-error" role="alert" data-testid="description-error">${this.fieldError('description')}</p>
      <label for="o-cust-times">${t('new.customer_best_times')}</label>
      <input id="o-cust-times" name="customer_best_times" maxlength="500" value="${draft.customer_best_times}" placeholder="${t('new.best_times_example')}">
      <fieldset><legend>${t('new.feedback')}</legend>
        <p class="muted" id="o-fb-help">${t('new.feedback_help')}</p>
        <p class="error" id="o-fb-error" role="alert" data-testid="feedback-error">${this.fieldError('feedback')}</p>
        <label for="o-fb-name">${t('new.feedback_name')}</label>
        <input id="o-fb-name" name="feedback_name" maxlength="200" autocomplete="name" value="${draft.feedback_name}">
        <label for="o-fb-phone">${t('new.feedback_phone')}</label>
        <input id="o-fb-phone" name="feedback_phone" type="tel" autocomplete="tel" value="${draft.feedback_phone}">
        <label for="o-fb-email">${t('new.feedback_email')}</label>
        <input id="o-fb-email" name="feedback_email" type="email" autocomplete="email" value="${draft.feedback_email}">
        <label for="o-prov-times">${t('new.provider_best_times')}</label>
        <input id="o-prov-times" name="provider_best_times" maxlength="500" value="${draft.provider_best_times}" placeholder="${t('new.best_times_example')}">
      </fieldset>
      <div class="step-nav two">
        <button type="button" class="secondary" data-back data-testid="step-back">← ${t('new.back')}</button>
        <button type="submit" class="primary" data-testid="step-next">${t('new.next')} →</button>
      </div>
    </form>`;
  }

  // "What does not work?" fits a fault; planned work gets a plain "Other".
  descriptionLabel() {
    return checklistRequired(draft.kind) ? t('new.description') : t('new.description_other');
  }

  fieldError(field) {
    return draft.error?.step === 'details' && draft.error.field === field ? draft.error.text : '';
  }

  summaryStep() {
    const c = this.customers.find((x) => x.id === draft.customerId);
    const lock = this.locks.find((l) => l.id === this.lockIdFor());
    const isOnline = online();
    const rows = [[t('new.sum_kind'), kindLabel(draft.kind), 'kind'],
      [t('new.sum_customer'), c ? `${c.name}, ${[c.street_address, c.city].filter(Boolean).join(', ')}` : '', 'customer']];
    if (lock) rows.push([t('new.sum_lock'), lock.serial, this.needsLockChoice() ? 'lock' : 'customer']);
    if (checklistRequired(draft.kind)) {
      for (const q of CHECKLIST) {
        const a = q.answers.find((x) => x.value === draft.answers[q.key]);
        const byLock = draft.answeredByLock[q.key];
        rows.push(byLock != null
          ? [t(`checklist.${q.key}`), `${pick(a)} (${t('new.from_lock', { percent: byLock })})`, null]
          : [t(`checklist.${q.key}`), a ? pick(a) : '–', QUESTION + q.key]);
      }
    }
    rows.push([this.descriptionLabel(), draft.description || '–', 'details'],
      [t('new.customer_best_times'), draft.customer_best_times || '–', 'details'],
      [t('new.feedback'), [draft.feedback_name, draft.feedback_phone, draft.feedback_email].filter(Boolean).join(', ') || '–', 'details'],
      [t('new.provider_best_times'), draft.provider_best_times || '–', 'details']);
    const serverError = draft.error?.step === 'summary' ? draft.error : null;
    return html`<section class="step" data-testid="step-summary">
      <h2 tabindex="-1">${t('new.summary_title')}</h2>
      <dl class="summary-list" data-testid="order-summary">${rows.map(([label, value, step]) => html`<div class="sum-item">
        <dt>${label}</dt><dd><span class="prewrap">${value}</span>
        ${step ? html`<button type="button" class="link" data-goto="${step}" aria-label="${t('new.change_x', { what: label })}">${t('new.change')}</button>` : ''}</dd></div>`)}</dl>
      ${isOnline ? '' : html`<p class="notice-inline warn" role="status" id="order-offline" data-testid="order-offline">${t('new.offline')}</p>`}
      <div class="error" role="alert" data-testid="order-error">${serverError ? html`<p>${serverError.text}</p>
        ${serverError.goto ? html`<button type="button" class="secondary" data-goto="${serverError.goto}">${t('new.fix')}</button>` : ''}` : ''}</div>
      <div class="stack">
        <button type="button" class="primary big" data-send data-testid="send-order" ${draft.sending ? 'disabled' : ''}
          ${isOnline ? '' : html`aria-describedby="order-offline"`}>${draft.sending ? t('new.sending') : isOnline ? t('new.send') : t('new.send_later')}</button>
        <button type="button" class="secondary" data-back data-testid="step-back">← ${t('new.back')}</button>
      </div>
    </section>`;
  }

  // -- moving between steps ------------------------------------------------------------------
  goTo(step, { remember = true } = {}) {
    if (remember && draft.step !== step) draft.history.push(draft.step);
    draft.step = step;
    draft.error = draft.error?.step === step ? draft.error : null;
    this.rendered = false; // a new step is a new page: render it whole and move focus
    this.refresh().then(() => this.querySelector('[data-region="step"] h2')?.focus());
  }

  next() {
    // Coming back from the summary to change one thing: go on to whatever the change left
    // unanswered (a new kind may add the checklist), else straight back to the summary.
    if (draft.returnToSummary) {
      this.goTo(this.firstIncomplete());
      return;
    }
    const steps = this.steps();
    this.goTo(steps[steps.indexOf(draft.step) + 1] || 'summary');
  }

  firstIncomplete() {
    if (!draft.kind) return 'kind';
    if (!draft.customerId) return 'customer';
    if (this.needsLockChoice() && !this.lockIdFor()) return 'lock';
    if (checklistRequired(draft.kind)) {
      const open = CHECKLIST.find((q) => !q.answers.some((a) => a.value === draft.answers[q.key]));
      if (open) return QUESTION + open.key;
    }
    if ((draft.kind === 'service' && !draft.description) || (!draft.feedback_email && !draft.feedback_phone)) return 'details';
    draft.returnToSummary = false;
    return 'summary';
  }

  previous() {
    const step = draft.history.pop();
    this.goTo(step || 'kind', { remember: false });
  }

  lockIdFor() {
    if (!ON_EXISTING_LOCK.includes(draft.kind)) return null;
    const locks = this.installedLocks();
    if (locks.length === 1) return locks[0].id;
    return locks.some((l) => l.id === draft.lockId) ? draft.lockId : null;
  }

  // -- events (delegated from the screen: see ui.js) ---------------------------------------
  change(e, b) {
    draft.returnToSummary = true;
    this.goTo(b.dataset.goto);
  }

  chooseKind(e, b) {
    // Answers are kept: service and battery orders ask the same questions.
    draft.kind = b.dataset.kind;
    this.next();
  }

  pickCustomer(e, b) { this.chooseCustomer(b.dataset.customer); }

  pickLock(e, b) {
    draft.lockId = b.dataset.lock;
    this.next();
  }

  pickAnswer(e, b) { this.answer(b.dataset.answer); }

  orderInstallation() {
    draft.kind = 'installation';
    draft.error = null;
    this.next();
  }

  changeAnswer(e, b) { this.goTo(QUESTION + b.dataset.change, { remember: false }); }

  close() {
    resetDraft();
    store.dropDraft(this.draftKey('details'));
  }

  typeDetails(e) {
    if (e.target.name) draft[e.target.name] = e.target.value;
  }

  filterCustomers(e, input) {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const li of this.querySelectorAll('[data-testid="customer-choices"] li')) {
      const hit = words.every((w) => li.dataset.name.includes(w));
      li.hidden = !hit;
      shown += hit ? 1 : 0;
    }
    this.querySelector('[data-testid="customer-none"]').hidden = shown > 0;
  }

  chooseCustomer(id) {
    if (draft.customerId !== id) draft.lockId = null;
    draft.customerId = id;
    if (ON_EXISTING_LOCK.includes(draft.kind) && !this.installedLocks(id).length) {
      draft.error = { step: 'customer', text: t('new.no_lock') };
      this.rendered = false;
      this.refresh().then(() => announce(t('new.no_lock')));
      return;
    }
    this.next();
  }

  answer(value) {
    const key = draft.step.slice(QUESTION.length);
    draft.answers[key] = value;
    if (refusalFor(draft.kind, key, value)) {
      this.goTo(`refusal:${key}`, { remember: false });
      return;
    }
    this.next();
  }

  switchToBattery() {
    // Seed 000: a battery that needs replacing is a battery change, not a service job. The
    // answers given so far still hold (the battery order asks the same questions).
    draft.kind = 'battery';
    const key = draft.step.slice('refusal:'.length);
    draft.answers[key] = 'needs_replacement';
    announce(t('new.switched_battery'));
    const steps = this.steps();
    draft.step = QUESTION + key;
    this.goTo(steps[steps.indexOf(QUESTION + key) + 1], { remember: true });
  }

  submitDetails(e, form) {
    for (const el of form.elements) if (el.name) draft[el.name] = el.value.trim();
    form.querySelectorAll('.error').forEach((el) => { el.textContent = ''; });
    const problem = draft.kind === 'service' && !draft.description ? ['description', 'new.need_description', form.description]
      : !draft.feedback_email && !draft.feedback_phone ? ['feedback', 'new.need_feedback', form.feedback_phone] : null;
    if (problem) {
      draft.error = { step: 'details', field: problem[0], text: t(problem[1]) };
      form.querySelector(`[data-testid="${problem[0]}-error"]`).textContent = draft.error.text;
      problem[2].focus();
      return;
    }
    form.closest('[data-region]')?.removeAttribute('data-dirty');
    draft.error = null;
    this.goTo('summary');
  }

  async send() {
    if (draft.sending) return;
    draft.sending = true;
    draft.error = null;
    this.refresh();
    const body = {
      kind: draft.kind,
      customer_id: draft.customerId,
      checklist: checklistRequired(draft.kind) ? { ...draft.answers } : {},
      description: draft.description,
      customer_best_times: draft.customer_best_times,
      provider_best_times: draft.provider_best_times,
      feedback_name: draft.feedback_name,
      feedback_email: draft.feedback_email,
      feedback_phone: draft.feedback_phone,
    };
    const lockId = this.lockIdFor();
    if (lockId) body.lock_id = lockId;
    // Offline, or the server down: the order waits on the phone and is sent when the
    // connection returns (seed 001); the checklist was checked on the phone step by step.
    if (!online()) { await this.queue(body); return; }
    try {
      const order = await postJson('/api/orders', body);
      resetDraft();
      await store.dropDraft(this.draftKey('details'));
      announce(t('new.sent', { reference: order.reference }));
      // The order reaches this phone through sync like every other row; wait for it briefly
      // so the next screen shows it, but go on even if the pull fails (it arrives later).
      try { await sync.syncNow(); } catch { /* the order screen waits for it */ }
      go(`/orders/${order.id}?placed=1`);
    } catch (error) {
      if (error instanceof NetworkError) { await this.queue(body); return; }
      draft.sending = false;
      draft.error = { step: 'summary', ...this.explain(error) };
      this.refresh().then(() => this.querySelector('[data-testid="order-error"]')?.focus?.());
    }
  }

  // Queue the order as a sync mutation with an id of its own, and show it at once, marked as
  // waiting; the server's answer (placed, or refused with the reason) comes back here.
  async queue(body) {
    const id = crypto.randomUUID();
    const c = this.customers.find((x) => x.id === draft.customerId);
    const now = new Date().toISOString();
    const row = {
      ...body, id, reference: '', status: 'ordered', _queued: true, ordered_at: now, version: 0,
      customer_name: c?.name || '', customer_address: c ? [c.street_address, c.city].filter(Boolean).join(', ') : '',
      lock_id: body.lock_id || null, escalation_level: 0, allowed_actions: [], cancel_reason: '',
    };
    const label = { reference: kindLabel(draft.kind), customer_name: row.customer_name };
    await store.mutate('order.place', { order_id: id, order: body }, label, { rows: [['order', row]] });
    resetDraft();
    await store.dropDraft(this.draftKey('details'));
    sync.changed();
    announce(t('new.queued'));
    go(`/orders/${id}`);
  }

  // The server's refusal in the person's language, and the step where it can be fixed.
  explain(error) {
    if (error instanceof NetworkError) return { text: t('new.offline') };
    if (!(error instanceof ApiError)) return { text: t('new.failed') };
    const body = error.body || {};
    const text = (getLang() === 'sv' && body.message_sv) || body.message || t('new.failed');
    const field = body.field || '';
    const goto = CHECKLIST.some((q) => q.key === field) ? QUESTION + field
      : field === 'lock_id' ? (this.needsLockChoice() ? 'lock' : 'customer')
        : field === 'customer_id' ? 'customer'
          : field.startsWith('feedback') || field === 'description' ? 'details' : null;
    return { text, goto, code: error.code };
  }
}

customElements.define('lw-new-order', NewOrder);
route('/orders/new', 'lw-new-order', { roles: ['orderer'] });
nav({ href: '/orders/new', label: 'nav.new_order', roles: ['orderer'], testid: 'nav-new-order', order: 15 });
