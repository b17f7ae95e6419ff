// /gateway?url=<gateway>#code=<6 digits>: the address in the gateway's QR code, opened by the
// phone's ordinary camera (or typed). Pairs with that gateway at once and returns to where the
// fitter was when the app asked to be paired (the order's lock panel), else to Min dag. The
// code is in the fragment: it never reaches the server, and it leaves the address bar (and the
// browser's history) before anything else happens. Failing, the screen says what to do and
// offers scanning and typing (<lw-gateway-pair>).
import { t } from '../i18n.js';
import { html, announce } from '../ui.js';
import { route, go } from '../router.js';
import { parsePairingLink, PAIRING_PATH } from '../gateway.js';
import { pairWithGateway, pairErrorText, pairingNotice, returnPath } from './gateway-pair.js';

class GatewayLink extends HTMLElement {
  connectedCallback() {
    const link = parsePairingLink(location.href);
    const asked = new URLSearchParams(location.search).get('url') || '';
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
    this.onPaired = () => this.done();
    this.addEventListener('gateway-paired', this.onPaired);
    this.onLang = () => this.render();
    addEventListener('langchange', this.onLang);
    this.asked = link?.url || asked;
    if (!link) pairingNotice(t('gwlink.invalid'));
    this.busy = Boolean(link);
    this.render();
    if (link) this.pair(link);
  }

  disconnectedCallback() {
    this.removeEventListener('gateway-paired', this.onPaired);
    removeEventListener('langchange', this.onLang);
  }

  render() {
    this.innerHTML = String(html`<h1 tabindex="-1">${t('gwlink.title')}</h1>
      <section class="card stack" data-testid="gateway-link">
        ${this.busy ? html`<p role="status" data-testid="gateway-link-status">${t('gwlink.pairing')}</p><progress aria-label="${t('panel.working')}"></progress>`
          : html`<lw-gateway-pair url="${this.asked}"></lw-gateway-pair>
            <p><a href="/" class="button secondary">${t('gwlink.later')}</a></p>`}
      </section>`);
  }

  async pair(link) {
    try {
      await pairWithGateway(link.url, link.code);
    } catch (error) {
      this.busy = false;
      pairingNotice(pairErrorText(error, true));
      this.render();
      this.querySelector('h1')?.focus();
      return;
    }
    this.done();
  }

  done() {
    announce(t('panel.paired_gateway'));
    go(returnPath(), { replace: true });
  }
}

customElements.define('lw-gateway-link', GatewayLink);
route(PAIRING_PATH, 'lw-gateway-link', { roles: ['fitter'] });
