// The letters tray (issue 12, seed 002 "Generering av brev"): two parts, as the routine has
// two steps. "Klara för utskrift": the orders locked (ready_to_print), by fitter and day;
// choose some or all, "Skapa brev" makes their letters in a job on the server (a progress bar
// while it runs) and moves them to "Väntar på svar"; orders locked for SMS get "Skicka sms".
// "Brev att skriva ut": the letters not yet printed (the seed's folder); download the chosen
// ones as one PDF, print them, and mark them printed: they leave the tray.
import { t, fmtDateTime } from '../i18n.js';
import { html, Screen, announce } from '../ui.js';
import * as api from '../desk/api.js';
import { errorText } from '../desk/view.js';
import { channelLabel, refusalText, tCount } from '../desk/booking-view.js';

// The contract asks for a poll about every half second while a letter job runs.
const POLL_MS = 500;
// A job that cannot be read this many times in a row (the connection went) stops being
// followed here; it runs on at the server, and the lists show its result when read again.
const POLL_FAILURES = 20;
// Printed letters shown under "Utskrivna brev" (to download one again, or see a wrong mark).
const PRINTED_SHOWN = 30;

// The job being followed survives leaving the screen and coming back (the same page).
let followedJob = null;

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

class DeskLetters extends Screen {
  static events = [
    ['submit', '[data-form="letters-filter"]', 'filter'],
    ['change', '[data-select-all]', 'selectAll'],
    ['change', '[data-select]', 'selectOne'],
    ['click', '[data-act="make-letters"]', 'askMake'],
    ['click', '[data-act="send-sms"]', 'askSms'],
    ['click', '[data-act="ask-confirm"]', 'confirmAsked'],
    ['click', '[data-act="ask-cancel"]', 'cancelAsked'],
    ['keydown', '[data-testid="letters-dialog"]', 'dialogKey'],
    ['click', '[data-act="download"]', 'download'],
    ['click', '[data-act="mark-printed"]', 'markPrinted'],
  ];

  connectedCallback() {
    this.filters = { fitter_id: '', day: '' };
    this.selected = { ready: new Set(), letters: new Set() };
    this.channels = new Map(); // order id -> 'letter' | 'sms'
    this.stamp = 0;
    this.dataStamp = 0;
    this.jobStamp = 0;
    super.connectedCallback();
    this.load().then(() => this.resumeJob());
  }

  async load() {
    const f = this.filters;
    try {
      const [fitters, ready, letters, printed] = await Promise.all([
        this.fitters || api.fitters(),
        api.ordersIn('ready_to_print', { fitter_id: f.fitter_id, planned_from: f.day, planned_to: f.day }),
        api.letters(false),
        api.letters(true, PRINTED_SHOWN),
      ]);
      await this.learnChannels(ready);
      ready.sort((a, b) => String(a.planned_start || '').localeCompare(String(b.planned_start || '')) || a.reference.localeCompare(b.reference));
      letters.sort((a, b) => String(a.planned_start || '').localeCompare(String(b.planned_start || '')) || a.reference.localeCompare(b.reference));
      printed.sort((a, b) => String(b.printed_at || '').localeCompare(String(a.printed_at || '')));
      Object.assign(this, { fitters, ready, letters, printed: printed.slice(0, PRINTED_SHOWN), loadError: null });
      // What was chosen stays chosen while it is still listed.
      const keep = (set, list) => new Set([...set].filter((id) => list.some((x) => x.id === id)));
      this.selected = { ready: keep(this.selected.ready, ready), letters: keep(this.selected.letters, letters) };
    } catch (error) {
      this.loadError = errorText(error);
    }
    this.stamp += 1;
    this.dataStamp += 1;
    await this.refresh();
  }

  // Whether each locked order goes out by letter or by SMS: the order's own field when the
  // server gives it, else its booking (read once per order).
  async learnChannels(orders) {
    const unknown = orders.filter((o) => !this.channels.has(o.id));
    await Promise.all(unknown.map(async (o) => {
      const channel = o.booking_channel || (await api.booking(o.id).catch(() => null))?.channel;
      if (channel) this.channels.set(o.id, channel);
    }));
  }

  channelOf(o) { return this.channels.get(o.id) || 'letter'; }

  fitterName(id) { return this.fitters?.find((f) => f.id === id)?.full_name || t('desk.unknown_fitter'); }

  async view() {
    return html`<h1 tabindex="-1">${t('letters.title')}</h1>
      <p class="muted">${t('letters.intro')}</p>
      <div data-region="message" data-key="${this.stamp}">
        ${this.loadError ? html`<p class="error" role="alert" data-testid="letters-error">${this.loadError}</p>` : ''}
        ${this.message ? html`<div class="notice-inline ${this.messageKind || ''}" role="status" tabindex="-1" data-testid="letters-message">${this.message}</div>` : ''}
        ${this.asking ? this.dialog(this.asking) : ''}
      </div>
      <div data-region="job" data-key="${this.jobStamp}">${this.jobView()}</div>
      <section class="tray-part" aria-labelledby="ready-h">
        <h2 id="ready-h">${t('letters.ready.title')}</h2>
        ${this.filterForm()}
        <div data-region="ready" data-key="${this.dataStamp}">${this.readyList()}</div>
      </section>
      <section class="tray-part" aria-labelledby="print-h">
        <h2 id="print-h">${t('letters.print.title')}</h2>
        <div data-region="letters" data-key="${this.dataStamp}">${this.letterList()}</div>
      </section>`;
  }

  filterForm() {
    const f = this.filters;
    return html`<form class="activity-filters" data-form="letters-filter" data-no-draft data-region="filters" data-key="${this.fitters ? 1 : 0}" data-keep aria-label="${t('letters.filters')}">
      <div class="field"><label for="l-fitter">${t('desk.fact.fitter')}</label>
        <select id="l-fitter" name="fitter_id"><option value="">${t('desk.filter.any')}</option>
          ${(this.fitters || []).map((x) => html`<option value="${x.id}" ${f.fitter_id === x.id ? 'selected' : ''}>${x.full_name}</option>`)}</select></div>
      <div class="field"><label for="l-day">${t('letters.filter.day')}</label>
        <input id="l-day" name="day" type="date" value="${f.day}"></div>
      <button type="submit" class="secondary" data-testid="letters-filter-apply">${t('desk.filter.apply')}</button>
    </form>`;
  }

  // -- part one: orders locked, their letters (or SMS) not yet made ------------------------
  readyList() {
    if (!this.ready) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    if (!this.ready.length) return html`<p class="empty" data-testid="ready-empty">${t('letters.ready.none')}</p>`;
    const chosen = this.selected.ready;
    return html`<table class="activity tray" data-testid="ready-list">
        <caption class="visually-hidden">${t('letters.ready.title')}</caption>
        <thead><tr><th scope="col" class="pick-col">${this.selectAllBox('ready', this.ready.length, chosen.size, t('letters.ready.select_all'))}</th>
          <th scope="col">${t('activity.col.order')}</th><th scope="col">${t('letters.col.visit')}</th>
          <th scope="col">${t('desk.fact.fitter')}</th><th scope="col">${t('booking.code')}</th><th scope="col">${t('letters.col.channel')}</th></tr></thead>
        <tbody>${this.ready.map((o) => html`<tr data-testid="ready-${o.reference}" data-order-id="${o.id}">
          <td class="pick-col"><label class="pick"><input type="checkbox" data-select="ready" value="${o.id}" ${chosen.has(o.id) ? 'checked' : ''}>
            <span class="visually-hidden">${t('letters.select', { what: `${o.reference} ${o.customer_name}` })}</span></label></td>
          <th scope="row"><a href="/desk/orders/${o.id}">${o.reference}</a><br>${o.customer_name}</th>
          <td>${o.planned_start ? fmtDateTime(o.planned_start) : '–'}</td>
          <td>${o.assigned_fitter_id ? this.fitterName(o.assigned_fitter_id) : t('desk.no_fitter')}</td>
          <td><span class="code">${o.booking_code || '–'}</span></td>
          <td>${channelLabel(this.channelOf(o))}</td></tr>`)}</tbody>
      </table>
      <div class="tray-actions row wrap">
        <p class="muted" aria-live="polite" data-selected-count="ready" data-testid="ready-selected">${t('letters.ready.selected', { n: chosen.size, total: this.ready.length })}</p>
        <button type="button" class="primary" data-act="make-letters" data-testid="make-letters">${t('letters.make')}</button>
        ${this.ready.some((o) => this.channelOf(o) === 'sms') ? html`<button type="button" data-act="send-sms" data-testid="send-sms">${t('letters.send_sms')}</button>` : ''}
      </div>`;
  }

  selectAllBox(list, total, chosen, label) {
    return html`<label class="pick"><input type="checkbox" data-select-all="${list}" data-testid="select-all-${list}"
      ${chosen && chosen === total ? 'checked' : ''}><span class="visually-hidden">${label}</span></label>`;
  }

  // -- part two: the letters made, not yet printed (the seed's folder) ----------------------
  letterList() {
    if (!this.letters) return this.loadError ? '' : html`<p>${t('loading')}</p>`;
    const chosen = this.selected.letters;
    const ids = [...chosen];
    const body = this.letters.length ? html`<table class="activity tray" data-testid="letter-list">
        <caption class="visually-hidden">${t('letters.print.title')}</caption>
        <thead><tr><th scope="col" class="pick-col">${this.selectAllBox('letters', this.letters.length, chosen.size, t('letters.print.select_all'))}</th>
          <th scope="col">${t('letters.col.resident')}</th><th scope="col">${t('letters.col.visit')}</th>
          <th scope="col">${t('booking.code')}</th><th scope="col">${t('letters.col.language')}</th><th scope="col">${t('letters.col.made')}</th></tr></thead>
        <tbody>${this.letters.map((l) => html`<tr data-testid="letter-${l.reference}" data-letter-id="${l.id}">
          <td class="pick-col"><label class="pick"><input type="checkbox" data-select="letters" value="${l.id}" ${chosen.has(l.id) ? 'checked' : ''}>
            <span class="visually-hidden">${t('letters.select', { what: `${l.reference} ${l.resident_name}` })}</span></label></td>
          <th scope="row"><a href="/desk/orders/${l.order_id}">${l.reference}</a> · ${l.resident_name}<br><span class="muted">${[l.street, l.town].filter(Boolean).join(', ')}</span></th>
          <td>${l.planned_start ? fmtDateTime(l.planned_start) : '–'}<br><span class="muted">${l.fitter_name || ''}</span></td>
          <td><span class="code">${l.booking_code}</span></td>
          <td>${t(`letters.language.${l.language}`)}</td>
          <td>${fmtDateTime(l.created_at)}<br><a href="${api.letterPdf(l.id)}" target="_blank" rel="noopener">${t('letters.one_pdf', { pages: l.pages || 1 })}</a></td></tr>`)}</tbody>
      </table>
      <div class="tray-actions row wrap">
        <p class="muted" aria-live="polite" data-selected-count="letters" data-testid="letters-selected">${t('letters.print.selected', { n: chosen.size, total: this.letters.length })}</p>
        <a class="button primary" data-act="download" data-testid="download-letters" download
          href="${api.mergedLetters(ids)}" ${ids.length ? '' : html`aria-disabled="true"`}>${t('letters.download')}</a>
        <button type="button" data-act="mark-printed" data-testid="mark-printed">${t('letters.mark_printed')}</button>
      </div>` : html`<p class="empty" data-testid="letters-empty">${t('letters.print.none')}</p>`;
    return html`${body}${this.printedList()}`;
  }

  printedList() {
    if (!this.printed?.length) return '';
    return html`<details class="printed-letters" data-testid="printed-letters"><summary>${t('letters.printed.title', { n: this.printed.length })}</summary>
      <ul>${this.printed.map((l) => html`<li data-testid="printed-${l.reference}"><a href="${api.letterPdf(l.id)}" target="_blank" rel="noopener">${l.reference} · ${l.resident_name}</a>
        <span class="muted">${t('booking.panel.printed', { time: fmtDateTime(l.printed_at) })}</span></li>`)}</ul></details>`;
  }

  // -- choosing ----------------------------------------------------------------------------
  selectAll(event, box) {
    const list = box.dataset.selectAll;
    const items = list === 'ready' ? this.ready : this.letters;
    this.selected[list] = box.checked ? new Set(items.map((x) => x.id)) : new Set();
    for (const one of this.querySelectorAll(`[data-select="${list}"]`)) one.checked = box.checked;
    this.showSelection(list);
  }

  selectOne(event, box) {
    const list = box.dataset.select;
    if (box.checked) this.selected[list].add(box.value);
    else this.selected[list].delete(box.value);
    this.showSelection(list);
  }

  // The counts, the "all" box and the download link follow the choice at once (no render: the
  // focus stays on the box just ticked).
  showSelection(list) {
    const items = list === 'ready' ? this.ready : this.letters;
    const n = this.selected[list].size;
    const all = this.querySelector(`[data-select-all="${list}"]`);
    if (all) {
      all.checked = n > 0 && n === items.length;
      all.indeterminate = n > 0 && n < items.length;
    }
    const count = this.querySelector(`[data-selected-count="${list}"]`);
    if (count) count.textContent = t(`letters.${list === 'ready' ? 'ready' : 'print'}.selected`, { n, total: items.length });
    if (list === 'letters') {
      const link = this.querySelector('[data-act="download"]');
      link.href = api.mergedLetters([...this.selected.letters]);
      if (n) link.removeAttribute('aria-disabled');
      else link.setAttribute('aria-disabled', 'true');
    }
  }

  chosenOrders(channel) {
    return (this.ready || []).filter((o) => this.selected.ready.has(o.id) && this.channelOf(o) === channel);
  }

  // -- confirming --------------------------------------------------------------------------
  dialog(a) {
    return html`<dialog class="confirm-dialog" data-testid="letters-dialog" aria-labelledby="ask-h" aria-describedby="ask-text">
      <h2 id="ask-h">${a.title}</h2>
      <p id="ask-text">${a.text}</p>
      <div class="row wrap">
        <button type="button" class="primary" data-act="ask-confirm" data-testid="letters-confirm">${a.confirm}</button>
        <button type="button" data-act="ask-cancel" data-testid="letters-cancel">${t('booking.lock.cancel')}</button>
      </div></dialog>`;
  }

  async ask(asking) {
    this.message = null;
    this.asking = asking;
    this.stamp += 1;
    await this.refresh();
  }

  askMake(event, button) {
    if (followedJob) return this.say(t('letters.job.busy'), 'warn');
    const orders = this.chosenOrders('letter');
    if (!orders.length) return this.say(t(this.selected.ready.size ? 'letters.make.only_sms' : 'letters.need_orders'), 'warn', button);
    const skipped = this.selected.ready.size - orders.length;
    return this.ask({
      kind: 'make', ids: orders.map((o) => o.id), opener: button.dataset.testid,
      title: t('letters.make.confirm_title', { n: orders.length }),
      text: [t('letters.make.confirm_text'), skipped ? t('letters.make.skipped', { n: skipped }) : ''].join(' ').trim(),
      confirm: t('letters.make.confirm', { n: orders.length }),
    });
  }

  askSms(event, button) {
    const orders = this.chosenOrders('sms');
    if (!orders.length) return this.say(t(this.selected.ready.size ? 'letters.sms.only_letters' : 'letters.need_orders'), 'warn', button);
    return this.ask({
      kind: 'sms', ids: orders.map((o) => o.id), opener: button.dataset.testid,
      title: t('letters.sms.confirm_title', { n: orders.length }),
      text: t('letters.sms.confirm_text', { n: orders.length }),
      confirm: t('letters.sms.confirm', { n: orders.length }),
    });
  }

  dialogKey(event) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    return this.cancelAsked();
  }

  async cancelAsked() {
    const opener = this.asking?.opener;
    this.asking = null;
    await this.say(t('desk.plan.cancelled'));
    this.querySelector(`[data-testid="${opener}"]`)?.focus();
  }

  async confirmAsked(event, button) {
    const a = this.asking;
    if (!a || button.disabled) return;
    button.disabled = true;
    this.asking = null;
    if (a.kind === 'make') return this.makeLetters(a.ids);
    return this.sendSms(a.ids);
  }

  // -- the letter job ----------------------------------------------------------------------
  async makeLetters(ids) {
    let job;
    try {
      job = await api.startLetterJob(ids);
    } catch (error) {
      return this.say(errorText(error), 'warn');
    }
    this.selected.ready = new Set();
    await this.say(t('letters.job.started', { n: job.total }));
    return this.follow(job);
  }

  async resumeJob() {
    if (!followedJob) return;
    try {
      const job = await api.letterJob(followedJob);
      if (job.state === 'done') followedJob = null;
      else await this.follow(job);
    } catch {
      followedJob = null;
    }
  }

  // Poll the job until it is done, showing its progress; then say what came of it and read
  // both lists again (the orders went to "Väntar på svar", their letters into the tray).
  async follow(job) {
    followedJob = job.id;
    this.job = job;
    this.jobStamp += 1;
    await this.refresh();
    let failures = 0;
    while (this.isConnected && this.job.state !== 'done') {
      await sleep(POLL_MS);
      if (!this.isConnected) return; // followed again when the screen is shown again
      try {
        this.job = await api.letterJob(job.id);
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures >= POLL_FAILURES) {
          followedJob = null;
          this.job = null;
          this.jobStamp += 1;
          return this.say(t('letters.job.lost', { reason: errorText(error) }), 'warn');
        }
      }
      this.jobStamp += 1;
      await this.refresh();
    }
    if (!this.isConnected) return;
    followedJob = null;
    const done = this.job;
    this.job = null;
    this.jobStamp += 1;
    this.message = this.jobResult(done);
    this.messageKind = done.failed || done.refused?.length ? 'warn' : 'ok';
    announce(tCount('letters.job.done', Math.max(0, done.done - (done.failed || 0))));
    await this.load();
    this.querySelector('[data-testid="letters-message"]')?.focus();
  }

  jobView() {
    const job = this.job;
    if (!job) return '';
    // `done` counts every order worked through, `failed` those of them that got no letter.
    const processed = Math.min(job.total, job.done || 0);
    return html`<div class="letter-job card" data-testid="letter-job" data-state="${job.state}">
      <label for="letter-job-progress">${t(job.state === 'queued' ? 'letters.job.queued' : 'letters.job.progress', { n: processed, total: job.total })}</label>
      <progress id="letter-job-progress" max="${job.total || 1}" value="${processed}" data-testid="letter-job-progress"></progress>
    </div>`;
  }

  jobResult(job) {
    const refused = job.refused || [];
    const made = Math.max(0, (job.done || 0) - (job.failed || 0));
    return html`<p data-testid="letters-made" data-count="${made}">${tCount('letters.job.done', made)}</p>
      ${job.failed && !refused.length ? html`<p>${tCount('letters.job.failed', job.failed)}</p>` : ''}
      ${refused.length ? html`<p>${tCount('letters.job.refused', refused.length)}</p>
        <ul class="refused-list" data-testid="letters-refused">${refused.map((r) => html`<li data-reference="${r.reference}">
          <a href="/desk/orders/${r.order_id}">${r.reference}</a>: ${refusalText(r)}</li>`)}</ul>` : ''}`;
  }

  // -- SMS ---------------------------------------------------------------------------------
  async sendSms(ids) {
    try {
      const answer = await api.sendBookingSms(ids);
      const refused = answer.refused || [];
      this.selected.ready = new Set();
      this.message = html`<p data-testid="sms-sent" data-count="${(answer.sent || []).length}">${t('letters.sms.sent', { n: (answer.sent || []).length })}</p>
        ${refused.length ? html`<ul class="refused-list" data-testid="sms-refused">${refused.map((r) => html`<li data-reference="${r.reference}">
          <a href="/desk/orders/${r.order_id}">${r.reference}</a>: ${refusalText(r)}</li>`)}</ul>` : ''}`;
      this.messageKind = refused.length ? 'warn' : 'ok';
      announce(t('letters.sms.sent', { n: (answer.sent || []).length }));
    } catch (error) {
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    this.querySelector('[data-testid="letters-message"]')?.focus();
  }

  // -- printing ----------------------------------------------------------------------------
  // The link downloads the chosen letters as one PDF; with none chosen it says so instead.
  download(event, link) {
    if (this.selected.letters.size) {
      announce(t('letters.downloading', { n: this.selected.letters.size }));
      return;
    }
    event.preventDefault();
    return this.say(t('letters.need_letters'), 'warn', link);
  }

  async markPrinted(event, button) {
    const ids = [...this.selected.letters];
    if (!ids.length) return this.say(t('letters.need_letters'), 'warn', button);
    if (button.disabled) return;
    button.disabled = true;
    try {
      const answer = await api.markPrinted(ids);
      this.selected.letters = new Set();
      this.message = tCount('letters.marked', answer.marked);
      this.messageKind = 'ok';
      announce(this.message);
    } catch (error) {
      this.message = errorText(error);
      this.messageKind = 'warn';
    }
    await this.load();
    this.querySelector('[data-testid="letters-message"]')?.focus();
  }

  // -- filters and messages ----------------------------------------------------------------
  filter(event, form) {
    const d = new FormData(form);
    this.filters = { fitter_id: d.get('fitter_id') || '', day: d.get('day') || '' };
    this.selected.ready = new Set();
    return this.load();
  }

  async say(text, kind = '', focusAfter = null) {
    this.message = text;
    this.messageKind = kind;
    this.stamp += 1;
    await this.refresh();
    announce(String(text));
    if (focusAfter) focusAfter.focus?.();
  }

  afterRender(root) {
    // "Some chosen" is a property of the box, not an attribute: set again after each render.
    for (const list of ['ready', 'letters']) {
      const all = root.querySelector(`[data-select-all="${list}"]`);
      const items = (list === 'ready' ? this.ready : this.letters) || [];
      if (all) all.indeterminate = this.selected[list].size > 0 && this.selected[list].size < items.length;
    }
    const dialog = root.querySelector('dialog[data-testid="letters-dialog"]');
    if (dialog && !dialog.open) {
      dialog.showModal();
      dialog.querySelector('[data-act="ask-confirm"]')?.focus();
    }
  }
}

customElements.define('lw-desk-letters', DeskLetters);
