// <lw-gateway-pair>: pairing this phone with the gateway, once. The fitter scans the QR code the
// gateway shows ("Skanna QR-koden": the camera, app/qr-scan.js); typing its address and 6-digit
// code stays as the fallback ("Skriv koden i stället"). On success the token is kept in
// IndexedDB (meta "gateway") and a bubbling `gateway-paired` event tells the lock panel, or the
// /gateway screen, to go on. Used by <lw-lock-panel> and by the /gateway route (gateway-link.js).
import { t, tOr, getLang } from '../i18n.js';
import { html, announce, delegate } from '../ui.js';
import * as store from '../store.js';
import {
  GatewayClient, GatewayError, DEFAULT_GATEWAY_URL, PAIRING_PATH, appLabel, normaliseGatewayUrl, parsePairingLink,
  validPairingCode,
} from '../gateway.js';
import { scan, ScanError } from '../qr-scan.js';

export const GATEWAY_META = 'gateway'; // {url, token, gateway_id}
// Where the fitter was when the app asked to be paired: the /gateway link (opened by the
// phone's camera) returns there. localStorage, so that another tab or the installed app's
// window finds it; older than this, it is not "where the fitter was" any more.
export const RETURN_KEY = 'lockwork.gateway_return';
export const RETURN_FRESH_MS = 30 * 60_000;

const pickText = (sv, en) => (getLang() === 'sv' ? sv : en) || sv || en || '';

// The fitter's words for a gateway failure: the app's own text for the codes it knows (what to
// do next, no commands or addresses), else the gateway's text in the chosen language.
export function gatewayErrorText(error) {
  const own = error?.code ? tOr(`panel.error.${error.code}`, null) : null;
  if (own) return own;
  if (error instanceof GatewayError) return pickText(error.sv, error.en);
  if (error?.message_sv || error?.message_en) return pickText(error.message_sv, error.message_en);
  return t('panel.error.unknown');
}

// The technical side of a failure, for "Detaljer": the code and the gateway's own words.
export function gatewayErrorDetail(error) {
  if (!error) return '';
  const words = error instanceof GatewayError ? error.en : error.message_en || error.message || '';
  return [error.code, words].filter(Boolean).join(': ');
}

// Pair with the gateway at `url` with `code`; keeps the token. Throws a GatewayError.
export async function pairWithGateway(url, code) {
  const client = new GatewayClient(url);
  const answer = await client.pair(code, appLabel(await store.meta('user')));
  await store.setMeta(GATEWAY_META, { url, token: answer.token, gateway_id: answer.gateway_id });
  return answer;
}

// Why a code was not taken, with what to do next (a scanned code is an old one; a typed one
// may be mistyped).
export function pairErrorText(error, scanned) {
  if (error?.status === 401 || error?.status === 400) return t(scanned ? 'pair.scanned_code_old' : 'panel.code_wrong');
  if (error?.status === 429) return t('panel.code_throttled');
  return gatewayErrorText(error);
}

export function rememberWhereTheFitterIs() {
  if (location.pathname === PAIRING_PATH) return;
  try {
    localStorage.setItem(RETURN_KEY, JSON.stringify({ path: location.pathname + location.search, at: Date.now() }));
  } catch { /* private mode: the link returns to Min dag */ }
}

// Where the /gateway link goes after pairing: where the fitter asked to pair, or Min dag.
export function returnPath(now = Date.now()) {
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(RETURN_KEY) || 'null');
    localStorage.removeItem(RETURN_KEY);
  } catch { /* nothing kept */ }
  const path = kept?.path;
  const fresh = typeof kept?.at === 'number' && now - kept.at < RETURN_FRESH_MS;
  return fresh && typeof path === 'string' && path.startsWith('/') && !path.startsWith('//')
    && !path.startsWith(PAIRING_PATH) ? path : '/';
}

// Kept outside the element: its host (the lock panel) renders a new one when it renders, and
// what was typed or said must survive that. Never stored: a code is used once.
const state = { url: '', code: '', typing: false, error: '', hint: '' };

// Say why pairing is needed again (the gateway forgot this app, the app was removed): shown
// by the next <lw-gateway-pair> until pairing succeeds.
export function pairingNotice(text) { state.error = text || ''; }

class GatewayPair extends HTMLElement {
  connectedCallback() {
    delegate(this, [
      ['click', '[data-pair="scan"]', 'startScan'],
      ['click', '[data-pair="stop"]', 'stopScan'],
      ['submit', 'form', 'submitTyped'],
      ['input', 'form input', 'typed'],
      // Before the <details> toggles ('toggle' does not bubble): it is about to be the other way.
      ['click', 'summary', 'toggled'],
    ]);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    rememberWhereTheFitterIs();
    if (this.hasAttribute('url')) state.url = this.getAttribute('url');
    this.render();
  }

  disconnectedCallback() {
    removeEventListener('langchange', this.onLang);
    this.scanning?.abort();
  }

  async render() {
    // A new render replaces the camera's <video>: stop scanning first (the fitter taps again).
    this.scanning?.abort();
    this.scanning = null;
    const saved = (await store.meta(GATEWAY_META)) || {};
    this.innerHTML = String(html`<div class="gateway-pair stack" data-testid="gateway-pairing">
      <p>${t('panel.pair_help')}</p>
      <p class="error" role="alert" data-testid="gateway-error">${state.error}</p>
      <ol class="pair-steps">
        <li>${t('pair.step_show')}</li>
        <li>${t('pair.step_scan')}</li>
      </ol>
      <div data-part="scanner">${this.scanButton()}</div>
      <details class="type-code" data-testid="gateway-type" ${state.typing ? 'open' : ''}>
        <summary>${t('pair.type_instead')}</summary>
        <form class="stack" data-form="gateway-pair" novalidate>
          <label for="gw-url">${t('panel.address')}</label>
          <input id="gw-url" name="url" inputmode="url" autocomplete="off" autocapitalize="none" spellcheck="false"
            value="${state.url || saved.url || DEFAULT_GATEWAY_URL}">
          <label for="gw-code">${t('panel.code')}</label>
          <input id="gw-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"
            aria-describedby="gw-code-help" data-testid="gateway-code" value="${state.code}">
          <p id="gw-code-help" class="muted">${t('panel.code_help')}</p>
          <button type="submit" class="primary" data-testid="gateway-pair" ${this.busy ? 'disabled' : ''}>
            ${this.busy === 'typed' ? t('panel.pairing') : t('panel.pair_gateway')}</button>
        </form>
      </details>
    </div>`);
  }

  scanButton() {
    return html`<button type="button" class="primary big" data-pair="scan" data-testid="gateway-scan" ${this.busy ? 'disabled' : ''}>
      ${this.busy === 'scanned' ? t('panel.pairing') : t('pair.scan')}</button>
      ${state.hint ? html`<p class="muted" data-testid="gateway-scan-hint">${state.hint}</p>` : ''}`;
  }

  scannerView() {
    return html`<div class="scanner" data-testid="gateway-scanner">
      <video class="scanner-video" muted playsinline aria-label="${t('pair.camera_view')}"></video>
      <p role="status" data-testid="gateway-scan-status">${t('pair.camera_starting')}</p>
      <button type="button" class="secondary" data-pair="stop" data-testid="gateway-scan-stop">${t('pair.scan_stop')}</button>
    </div>`;
  }

  typed(e, input) { if (input.name in state) state[input.name] = input.value; }

  toggled(e, summary) { state.typing = !summary.parentElement.open; }

  setPart(part, content) {
    const el = this.querySelector(`[data-part="${part}"]`);
    if (el) el.innerHTML = String(content);
  }

  async startScan() {
    if (this.scanning) return;
    state.error = '';
    state.hint = '';
    this.querySelector('[data-testid="gateway-error"]').textContent = '';
    const controller = new AbortController();
    this.scanning = controller;
    this.setPart('scanner', this.scannerView());
    const video = this.querySelector('video');
    const status = this.querySelector('[data-testid="gateway-scan-status"]');
    this.querySelector('[data-pair="stop"]')?.focus();
    let link = null;
    try {
      link = await scan(video, {
        signal: controller.signal,
        onReady: (kind) => { status.textContent = t('pair.scan_aim'); status.dataset.decoder = kind; },
        accept: (text) => {
          const found = parsePairingLink(text);
          if (!found && status.dataset.other !== '1') {
            // Another QR code (a lock's label, a web address): say so once, keep looking.
            status.dataset.other = '1';
            status.textContent = t('pair.scan_other');
          }
          return found;
        },
      });
    } catch (error) {
      if (this.scanning !== controller) return;
      this.scanning = null;
      state.error = t(`pair.camera.${error instanceof ScanError ? error.code : 'failed'}`);
      state.typing = true;
      await this.render();
      this.querySelector('#gw-code')?.focus();
      return;
    }
    if (this.scanning !== controller) return; // stopped, or rendered anew
    this.scanning = null;
    if (!link) { await this.render(); return; }
    await this.pair(link.url, link.code, 'scanned');
  }

  async stopScan() {
    this.scanning?.abort();
    this.scanning = null;
    await this.render();
    this.querySelector('[data-pair="scan"]')?.focus();
  }

  async submitTyped(e, form) {
    e.preventDefault();
    let url;
    try {
      url = normaliseGatewayUrl(form.url.value);
    } catch (error) {
      state.error = gatewayErrorText(error);
      await this.render();
      this.querySelector('#gw-url')?.focus();
      return;
    }
    const code = form.code.value.trim();
    if (!validPairingCode(code)) {
      state.error = t('panel.code_invalid');
      await this.render();
      this.querySelector('#gw-code')?.focus();
      return;
    }
    await this.pair(url, code, 'typed');
  }

  // Pair with a scanned or typed code; `how` is 'scanned' or 'typed'.
  async pair(url, code, how) {
    state.error = '';
    this.busy = how;
    await this.render();
    try {
      const answer = await pairWithGateway(url, code);
      this.busy = null;
      Object.assign(state, { url: '', code: '', typing: false, error: '', hint: '' });
      announce(t('panel.paired_gateway'));
      this.dispatchEvent(new CustomEvent('gateway-paired', { bubbles: true, detail: answer }));
    } catch (error) {
      this.busy = null;
      state.error = pairErrorText(error, how === 'scanned');
      if (how === 'typed') state.url = url;
      await this.render();
      this.querySelector(how === 'typed' ? '#gw-code' : '[data-pair="scan"]')?.focus();
    }
  }
}

customElements.define('lw-gateway-pair', GatewayPair);
