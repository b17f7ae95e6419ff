// The sync protocol client (mirror of gateway/sync_client.py): register, push the outbox in
// sequence order, pull pages after a cursor. Retries with backoff; woken by `online`, by the
// page becoming visible, by a timer, by the server's live pokes and by Background Sync.
// No DOM here: this module also runs inside the service worker (see sw.js, event 'sync').
import { postJson, getJson, NetworkError, ApiError } from './api.js';
import * as store from './store.js';

const PROTOCOL = 1;
const SCHEMA = 1;
const PULL_BATCH = 500; // the server's default page; one IndexedDB transaction per page
const PUSH_BATCH = 100;
// A push stays well under the server's request limit (10 MB): a photo is a few hundred kB.
const PUSH_MAX_BYTES = 4_000_000;
// First retry soon (a basement signal comes and goes), then doubling up to five minutes.
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 5 * 60_000;
// Without live pokes (stream down), look for changes this often while the app is visible.
const POLL_MS = 60_000;
// A push that settles nothing twice in a row means our numbering is broken: re-register.
const MAX_GAP_RETRIES = 2;
export const BACKGROUND_SYNC_TAG = 'lockwork-outbox';

// The status every screen shows (online, pending, last sync, first-sync progress, error).
export const status = new EventTarget();
export const state = {
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  syncing: false, pending: 0, lastSync: null, error: null, progress: null, updateWaiting: false,
};
export function setState(patch) {
  Object.assign(state, patch);
  status.dispatchEvent(new Event('change'));
}

const versioned = (body) => ({ protocol: PROTOCOL, schema: SCHEMA, ...body });

async function register() {
  const answer = await postJson('/api/sync/register', versioned({ device: deviceName() }));
  await store.setMeta('client_id', answer.client_id);
  await store.renumber(1);
  return answer.client_id;
}

function deviceName() {
  const ua = typeof navigator === 'undefined' ? '' : navigator.userAgent;
  return `pwa ${/Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : 'browser'}`.slice(0, 100);
}

// Answers after which the app registers again and resends (mutation ids keep that exactly
// once): the server forgot this device, or no longer has the outcome of a number it took.
const REGISTER_AGAIN = ['unknown_client', 'sequence_lost'];

// Call `fn(clientId)`; after one of those answers, register again once and retry.
async function asClient(fn) {
  let clientId = (await store.meta('client_id')) || (await register());
  try {
    return await fn(clientId);
  } catch (error) {
    if (!(error instanceof ApiError) || !REGISTER_AGAIN.includes(error.code)) throw error;
    clientId = await register();
    return fn(clientId);
  }
}

const wire = (m) => {
  const body = { id: m.id, seq: m.seq, name: m.name, args: m.args };
  if (m.base_version) body.base_version = m.base_version;
  return body;
};

export async function push() {
  let stuck = 0;
  for (;;) {
    const batch = [];
    let bytes = 0;
    for (const m of (await store.pending()).slice(0, PUSH_BATCH)) {
      const size = JSON.stringify(wire(m)).length;
      if (batch.length && bytes + size > PUSH_MAX_BYTES) break;
      batch.push(m);
      bytes += size;
    }
    if (!batch.length) return;
    const answer = await asClient((clientId) => postJson('/api/sync/push', versioned({ client_id: clientId, mutations: batch.map(wire) })));
    const settled = await store.applyResults(answer.results);
    if (settled) { stuck = 0; continue; }
    // Nothing left the outbox: the server counts differently from us (a sequence gap, or
    // answers stored under our numbers for other mutations). Renumber from where it expects,
    // then register afresh (mutation ids keep that exactly once), then give up until later.
    stuck += 1;
    if (stuck > MAX_GAP_RETRIES + 1) throw new Error('The server did not take the pending changes; retrying later.');
    if (stuck > MAX_GAP_RETRIES) await register();
    else if (answer.resend_from != null) await store.renumber(answer.resend_from);
  }
}

export async function pull(onProgress = () => {}) {
  const first = !(await store.meta('cursor'));
  let total = null;
  if (first) {
    // For the first sync's progress: how many rows our scopes hold (rows in two scopes count
    // twice, so the bar may finish early; it never goes backwards).
    try {
      const sums = await getJson('/api/sync/checksums');
      total = Object.values(sums.scopes).reduce((n, s) => n + s.count, 0);
    } catch { /* progress without a total */ }
    onProgress({ received: 0, total });
  }
  let received = 0;
  for (;;) {
    const cursor = (await store.meta('cursor')) || 0;
    const page = await asClient((clientId) => postJson('/api/sync/pull', versioned({ client_id: clientId, cursor, limit: PULL_BATCH })));
    const clientId = await store.meta('client_id');
    await store.applyPage(page, clientId);
    await store.setMeta('clock_offset_ms', Date.parse(page.server_time) - Date.now());
    received += page.changes.length;
    if (first) onProgress({ received, total });
    if (!page.more) return received;
  }
}

// One full round: push first (so the server judges our changes on its state), then pull.
// A push the server refuses as a whole does not stop the pull: new jobs still arrive, and the
// push's error is reported (and retried) after it.
async function round() {
  let refused = null;
  try {
    await push();
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.status === 401)) throw error;
    refused = error;
  }
  await pull((progress) => setState({ progress }));
  if (refused) throw refused;
  const now = new Date().toISOString();
  await store.setMeta('last_sync', now);
  setState({ lastSync: now, progress: null });
}

let running = null;
let again = false;

// Sync now, or right after the round in progress. Rounds never overlap, across tabs and the
// service worker too (Web Locks), and the server's sequence numbers make a repeat harmless.
export function syncNow() {
  if (running) { again = true; return running; }
  running = (async () => {
    setState({ syncing: true });
    try {
      do {
        again = false;
        const locks = typeof navigator !== 'undefined' && navigator.locks;
        if (locks) await locks.request('lockwork-sync', round);
        else await round();
      } while (again);
      failures = 0;
      setState({ online: true, error: null });
    } catch (error) {
      failures += 1;
      const offline = error instanceof NetworkError;
      setState({ online: !offline && state.online, error: offline ? null : error });
      if (error instanceof ApiError && error.status === 401) status.dispatchEvent(new Event('unauthenticated'));
      else scheduleRetry();
    } finally {
      running = null;
      setState({ syncing: false, pending: await store.pendingCount() });
    }
  })();
  return running;
}

// -- triggers (pages only; the service worker calls syncNow() itself) ----------------------
let failures = 0;
let retryTimer = null;

function scheduleRetry() {
  clearTimeout(retryTimer);
  const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
  // Jitter keeps fifty phones coming back online at once from hitting the server together.
  retryTimer = setTimeout(syncNow, delay * (0.5 + Math.random() / 2));
}

let events = null;

function listen() {
  if (events || typeof EventSource !== 'function') return;
  events = new EventSource('/api/sync/events');
  events.addEventListener('change', async (e) => {
    const { cursor } = JSON.parse(e.data);
    if (cursor > ((await store.meta('cursor')) || 0)) syncNow();
  });
  events.addEventListener('error', () => {
    // The browser reconnects by itself unless the server refused us (closed).
    if (events.readyState === EventSource.CLOSED) { events = null; }
  });
}

export function stopListening() {
  events?.close();
  events = null;
}

let started = false;

export async function start() {
  setState({
    pending: await store.pendingCount(),
    lastSync: (await store.meta('last_sync')) || null,
    online: navigator.onLine,
  });
  store.changes.addEventListener('change', async () => setState({ pending: await store.pendingCount() }));
  if (started) { listen(); syncNow(); return; } // logged in again: the stream may have closed
  started = true;
  navigator.storage?.persist?.().catch(() => {});
  addEventListener('online', () => { failures = 0; setState({ online: true }); syncNow(); listen(); });
  addEventListener('offline', () => setState({ online: false }));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') syncNow();
  });
  setInterval(() => {
    if (document.visibilityState === 'visible' && (!events || events.readyState !== EventSource.OPEN)) syncNow();
  }, POLL_MS);
  listen();
  syncNow();
}

// After a local change: try at once, and ask for Background Sync in case the page closes.
export async function changed() {
  setState({ pending: await store.pendingCount() });
  syncNow();
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register(BACKGROUND_SYNC_TAG);
  } catch { /* not supported, or not allowed: the page's own triggers still run */ }
}
