// HTTP to our server: JSON, the session cookie (same origin) and the CSRF header.
// No DOM here: this module also runs inside the service worker.
import { read, write, get } from './db.js';

// A request that hangs longer than this is treated as offline (a stairwell with one bar).
const REQUEST_TIMEOUT_MS = 20_000;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || '';
    this.body = body || {};
  }
}

// Thrown when the server could not be reached at all (offline, timeout, aborted).
export class NetworkError extends Error {}

let csrf = null;

export async function csrfToken() {
  csrf ??= await read(['meta'], (tx) => get(tx, 'meta', 'csrf'));
  return csrf;
}

export async function setCsrf(token) {
  csrf = token;
  await write(['meta'], (tx) => tx.objectStore('meta').put(token, 'csrf'));
}

export async function request(method, path, body, retried = false) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const token = await csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new NetworkError(error.message);
  }
  if (response.status === 204) return null;
  let payload = null;
  try { payload = await response.json(); } catch { /* empty or not JSON */ }
  if (response.status === 403 && payload?.code === 'csrf_failed' && !retried) {
    // The session was renewed elsewhere (another tab logged in again): fetch its token, retry.
    const me = await request('GET', '/api/auth/me');
    if (me?.csrf_token) {
      await setCsrf(me.csrf_token);
      return request(method, path, body, true);
    }
  }
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

export const getJson = (path) => request('GET', path);
export const postJson = (path, body) => request('POST', path, body ?? {});
