// Web Push opt-in. Permission is asked for only when the person presses the button (never on
// load); the subscription is stored on the server (POST /api/push/subscriptions) and the id it
// gets there is kept in IndexedDB so that this device can be unsubscribed again. What arrives
// is shown by the service worker (sw.js, 'push').
import { getJson, postJson, request } from './api.js';
import * as store from './store.js';

const META_KEY = 'push_subscription'; // {id, endpoint} of this device's server record

export class PushError extends Error {
  constructor(code) { super(code); this.code = code; }
}

export const supported = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator
  && typeof PushManager === 'function' && typeof Notification === 'function';

// 'unsupported' | 'denied' | 'off' | 'on' for this device and person.
export async function state() {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  const kept = await store.meta(META_KEY);
  return subscription && kept?.endpoint === subscription.endpoint ? 'on' : 'off';
}

// The server's VAPID key (base64url) as the bytes PushManager wants.
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
}

const sameKey = (a, b) => a && b && a.byteLength === b.byteLength && new Uint8Array(a).every((x, i) => x === b[i]);

export async function subscribe(deviceName = '') {
  if (!supported()) throw new PushError('unsupported');
  // Asked here, after the person pressed "turn on": the browser shows its own prompt.
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new PushError(permission === 'denied' ? 'denied' : 'dismissed');
  const registration = await navigator.serviceWorker.ready;
  const { public_key: publicKey } = await getJson('/api/push/public-key');
  const serverKey = keyBytes(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made for another server key (the key was replaced) cannot be used.
  if (subscription && !sameKey(subscription.options?.applicationServerKey, serverKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  try {
    subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey });
  } catch (error) {
    throw Object.assign(new PushError('subscribe_failed'), { cause: error });
  }
  const saved = await postJson('/api/push/subscriptions', { ...subscription.toJSON(), device: deviceName.slice(0, 200) });
  await store.setMeta(META_KEY, { id: saved.id, endpoint: subscription.endpoint });
  return saved;
}

export async function unsubscribe() {
  const kept = await store.meta(META_KEY);
  // The server first: if it cannot be reached, nothing changes and the person can try again.
  if (kept?.id) {
    try {
      await request('DELETE', `/api/push/subscriptions/${kept.id}`);
    } catch (error) {
      if (error.status !== 404) throw error; // already gone there: go on
    }
  }
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
  await store.setMeta(META_KEY, null);
}
