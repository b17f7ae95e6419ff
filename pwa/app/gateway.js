// Client of the gateway's local API (contract B, `lockwork-gateway serve`): pair once with the
// 6-digit code the gateway prints (or its QR code: parsePairingLink), then start lock
// operations and poll them for progress.
// No DOM and no storage here: the lock panel keeps the token (IndexedDB) and shows progress.

// Where `lockwork-gateway serve` listens unless the fitter says otherwise.
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8765';
// Contract B: the app polls a running operation about every 300 ms.
export const POLL_INTERVAL_MS = 300;
// A gateway on this phone or its network answers in milliseconds; one silent for 4 s is not
// there (switched off, another network), and the fitter should hear that instead of waiting.
export const REQUEST_TIMEOUT_MS = 4_000;
// Polls that may fail in a row (a Wi-Fi hiccup) before the panel says the gateway is gone:
// 10 x 300 ms = 3 s, longer than a reconnect, shorter than the fitter's patience.
export const MAX_POLL_FAILURES = 10;
// The gateway ends every operation itself (its wake wait is 30 s, a pairing far less); if it
// still says "running" after 3 minutes it is stuck, and polling on would only drain the phone.
export const MAX_OPERATION_MS = 3 * 60_000;
// The gateway keeps at most this much of the name an app gives itself.
export const APP_LABEL_MAX = 120;
// The operations the lock panel offers (contract B also has scan, unpair and log).
export const PANEL_OPERATIONS = Object.freeze(['wake', 'battery', 'pair', 'test', 'diagnose']);

// Every failure here: `code` is stable; `sv` and `en` are the gateway's own words (the app shows
// its own text for the codes it knows, `panel.error.<code>`, and these in the details).
export class GatewayError extends Error {
  constructor(code, sv, en, status = null) {
    super(en);
    this.name = 'GatewayError';
    this.code = code;
    this.sv = sv;
    this.en = en;
    this.status = status;
  }
}

export const unreachable = (url) => new GatewayError(
  'gateway_unreachable',
  `Ingen gateway svarar på ${url}. Kontrollera att gatewayen är påslagen, att lockwork-gateway serve körs och att telefonen är på samma nätverk.`,
  `No gateway answers at ${url}. Check that the gateway is switched on, that lockwork-gateway serve is running and that the phone is on the same network.`,
);

export const notPaired = () => new GatewayError(
  'gateway_not_paired',
  'Gatewayen känner inte igen appen. Koppla ihop dem igen med den 6-siffriga koden som gatewayen visar.',
  'The gateway does not recognise this app. Pair them again with the 6-digit code the gateway shows.',
  401,
);

const stuck = () => new GatewayError(
  'operation_stuck',
  'Gatewayen har inte blivit klar på 3 minuter. Starta om gatewayen och försök igen.',
  'The gateway has not finished in 3 minutes. Restart the gateway and try again.',
);

// What the fitter typed (a full address, or host[:port]) as an origin; throws on nonsense.
export function normaliseGatewayUrl(text) {
  let value = String(text ?? '').trim();
  if (!value) return DEFAULT_GATEWAY_URL;
  if (!/^https?:\/\//i.test(value)) value = `http://${value}`;
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}`;
  } catch {
    throw new GatewayError(
      'gateway_url_invalid',
      `"${text}" är ingen adress. Skriv till exempel ${DEFAULT_GATEWAY_URL}.`,
      `"${text}" is not an address. Type for example ${DEFAULT_GATEWAY_URL}.`,
    );
  }
}

export const validPairingCode = (code) => /^\d{6}$/.test(String(code ?? '').trim());

// The gateway's QR code (`lockwork-gateway serve`, gateway/local_api/pairing_link.py) holds
// either the app's own pairing address, <app>/gateway?url=<gateway>#code=<6 digits> (a phone's
// camera opens the app with it), or lockwork-gateway:<gateway>#code=<6 digits> (a gateway that
// does not know the server). The code is in the fragment, which no browser sends to a server.
export const PAIRING_SCHEME = 'lockwork-gateway:';
export const PAIRING_PATH = '/gateway';

// {url, code} from a scanned text or an opened address, or null when it is not a pairing link.
export function parsePairingLink(text) {
  const value = String(text ?? '').trim();
  let gateway;
  let fragment;
  try {
    if (value.toLowerCase().startsWith(PAIRING_SCHEME)) {
      const link = new URL(value.slice(PAIRING_SCHEME.length));
      gateway = new URL(`${link.protocol}//${link.host}`);
      fragment = link.hash;
    } else {
      const link = new URL(value);
      if (!/^https?:$/.test(link.protocol) || link.pathname.replace(/\/+$/, '') !== PAIRING_PATH) return null;
      gateway = new URL(link.searchParams.get('url') || '');
      fragment = link.hash;
    }
  } catch {
    return null;
  }
  if (!/^https?:$/.test(gateway.protocol) || !gateway.host) return null;
  const code = new URLSearchParams(fragment.replace(/^#/, '')).get('code');
  return validPairingCode(code) ? { url: `${gateway.protocol}//${gateway.host}`, code: code.trim() } : null;
}

// How this app names itself to the gateway: the fitter and the kind of device, so that a list
// of paired apps tells one phone from another.
export function appLabel(user, userAgent = globalThis.navigator?.userAgent || '') {
  const device = /Android|iPhone|iPad|Windows|Macintosh|Linux|CrOS/.exec(userAgent)?.[0] || 'browser';
  const who = user?.full_name || user?.username || '';
  return `${who ? `${who}, ` : ''}Lockwork (${device})`.slice(0, APP_LABEL_MAX);
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
  });
}

export class GatewayClient {
  constructor(baseUrl, token = null) {
    this.baseUrl = String(baseUrl).replace(/\/+$/, '');
    this.token = token;
  }

  async request(method, path, body, { auth = true } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw unreachable(this.baseUrl);
    }
    let data = null;
    try { data = await response.json(); } catch { /* empty or not JSON */ }
    if (response.status === 401 && auth) throw notPaired();
    if (!response.ok) {
      const e = data?.error ?? data ?? {};
      throw new GatewayError(
        e.code || `http_${response.status}`,
        e.message_sv || e.message || `Gatewayen svarade ${response.status}.`,
        e.message_en || e.message || `The gateway answered ${response.status}.`,
        response.status,
      );
    }
    return data;
  }

  // The 6-digit code for a token: {token, gateway_id, token_id, expires_at}. `label` names
  // this app in the gateway's list of paired apps.
  async pair(code, label = '') {
    const body = { code: String(code).trim(), label: String(label).slice(0, APP_LABEL_MAX) };
    const answer = await this.request('POST', '/api/pair', body, { auth: false });
    this.token = answer.token;
    return answer;
  }

  // The apps paired with the gateway now: [{id, label, created_at, expires_at, current}].
  async pairedApps() { return (await this.request('GET', '/api/tokens')).tokens; }

  // Revoke one app's token (this app's too: it must then pair again).
  revokeApp(id) { return this.request('DELETE', `/api/tokens/${encodeURIComponent(id)}`); }

  status() { return this.request('GET', '/api/status'); }

  start(kind, { serial = null, orderId = null } = {}) {
    return this.request('POST', '/api/operations', { kind, serial, order_id: orderId });
  }

  operation(id) { return this.request('GET', `/api/operations/${encodeURIComponent(id)}`); }

  // Follow an operation until it ends, calling onUpdate(operation) after each poll. Resolves
  // with the final operation (succeeded or failed); rejects with a GatewayError when the
  // gateway is gone or the app is no longer paired. `signal` stops following (not the lock).
  async follow(operation, { onUpdate = () => {}, signal } = {}) {
    const started = Date.now();
    let op = operation;
    let failures = 0;
    onUpdate(op);
    while (op.state === 'running') {
      if (Date.now() - started > MAX_OPERATION_MS) throw stuck();
      await sleep(POLL_INTERVAL_MS, signal);
      try {
        op = await this.operation(op.id);
        failures = 0;
      } catch (error) {
        if (error.code !== 'gateway_unreachable' || ++failures >= MAX_POLL_FAILURES) throw error;
        continue;
      }
      onUpdate(op);
    }
    return op;
  }

  async run(kind, { serial = null, orderId = null, onUpdate, signal } = {}) {
    return this.follow(await this.start(kind, { serial, orderId }), { onUpdate, signal });
  }
}
