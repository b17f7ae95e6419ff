// Login: user name and password; the server sets the session cookie and returns the CSRF token.
import { t, LANGS, getLang, setLang } from '../i18n.js';
import { html, Screen } from '../ui.js';
import { route, setUser, go } from '../router.js';
import * as session from '../session.js';
import * as sync from '../sync.js';
import { ApiError, NetworkError } from '../api.js';

export function langSwitch() {
  return html`<fieldset class="lang" data-testid="lang-switch"><legend>${t('lang.label')}</legend>
    ${LANGS.map((l) => html`<label class="choice"><input type="radio" name="lang" value="${l.code}" ${l.code === getLang() ? 'checked' : ''}> <span lang="${l.code}">${l.name}</span></label>`)}
  </fieldset>`;
}

// The language switch, wherever langSwitch() put it in a screen: add this to its `events`.
export const LANG_EVENT = ['change', 'input[name="lang"]', 'chooseLang'];

export function chooseLang(e, input) { setLang(input.value); }

class Login extends Screen {
  static events = [['submit', 'form', 'login'], LANG_EVENT];

  chooseLang = chooseLang;

  async view() {
    return html`<h1 tabindex="-1">${t('login.title')}</h1>
      <p class="lead">${t('login.lead')}</p>
      <form class="stack" novalidate>
        <label for="username">${t('login.username')}</label>
        <input id="username" name="username" autocomplete="username" autocapitalize="none" required>
        <label for="password">${t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <p class="error" role="alert" data-testid="login-error"></p>
        <button type="submit" class="primary">${t('login.submit')}</button>
      </form>
      ${langSwitch()}`;
  }

  async login(e, form) {
    const error = form.querySelector('.error');
    const username = form.username.value.trim();
    const password = form.password.value;
    if (!username || !password) { error.textContent = t('login.missing'); return; }
    const button = form.querySelector('button');
    button.disabled = true;
    error.textContent = '';
    try {
      const user = await session.login(username, password);
      setUser(user);
      sync.start();
      const next = new URLSearchParams(location.search).get('next') || '/';
      // The fragment the router kept on the login address (a pairing code) goes along.
      go((next.startsWith('/') && !next.startsWith('//') ? next : '/') + location.hash, { replace: true });
    } catch (err) {
      error.textContent = err instanceof NetworkError ? t('login.offline')
        : err instanceof ApiError && err.status === 401 ? t('login.wrong')
        : err instanceof ApiError && err.status === 429 ? t('login.throttled')
        : err.message === 'other_user_pending' ? t('login.other_user_pending')
        : (err.message || t('login.failed'));
      button.disabled = false;
      form.password.focus();
    }
  }
}

customElements.define('lw-login', Login);
route('/login', 'lw-login', { auth: false });
