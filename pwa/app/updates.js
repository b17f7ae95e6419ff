// Service worker registration and updates. A new version waits until the outbox is empty:
// the page asks the waiting worker to take over only then (and the worker checks again).
import { state, setState, syncNow, BACKGROUND_SYNC_TAG } from './sync.js';
import * as store from './store.js';

let registration = null;
let takenOver = false;

// A waiting worker that has not taken over this long after being asked is asked again: its
// own outbox check can race a send that had just finished, and a busy worker can miss the
// message. A few tries cover that without looping for ever when it really is blocked.
const TAKEOVER_WAIT_MS = 4000;
const TAKEOVER_ATTEMPTS = 3;

export async function register() {
  if (!('serviceWorker' in navigator)) return;
  try {
    registration = await navigator.serviceWorker.register('/sw.js', { scope: '/', type: 'module', updateViaCache: 'none' });
  } catch (error) {
    console.warn('Service worker not registered', error);
    return;
  }
  const watch = (worker) => worker?.addEventListener('statechange', () => {
    if (worker.state === 'installed' && navigator.serviceWorker.controller) setState({ updateWaiting: true });
  });
  if (registration.waiting && navigator.serviceWorker.controller) setState({ updateWaiting: true });
  watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
  // The first worker taking control (clients.claim) is not an update: reload only when a
  // controlling worker is replaced, so the page runs the new version's code.
  let firstControl = !navigator.serviceWorker.controller;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (firstControl) { firstControl = false; return; }
    if (reloading) return;
    reloading = true;
    takenOver = true;
    location.reload();
  });
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'sync') syncNow(); // Background Sync fired while this page is open
  });
  // Look for a new version when the app comes back to the foreground.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
}

export async function activateUpdate() {
  if (!('serviceWorker' in navigator)) return;
  if (await store.pendingCount()) { await syncNow(); }
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    if (await store.pendingCount()) return; // still unsent: the notice says why it waits
    // Read afresh: the worker waiting now, not the one register() saw when the page opened.
    const waiting = (await navigator.serviceWorker.getRegistration())?.waiting;
    if (!waiting || takenOver) return;
    waiting.postMessage({ type: 'skip-waiting' });
    await new Promise((resolve) => setTimeout(resolve, TAKEOVER_WAIT_MS));
  }
}

export const backgroundSyncTag = BACKGROUND_SYNC_TAG;
export { state };
