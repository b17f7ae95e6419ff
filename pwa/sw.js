// Lockwork service worker (an ES module). The server writes the version and the list of shell
// files in when it serves this file, so any change to the app makes a new worker.
import { syncNow } from './app/sync.js';
import { pendingCount, meta } from './app/store.js';
import { notificationFor, parsePayload } from './app/notifications.js';

const VERSION = '__LOCKWORK_VERSION__';
const SHELL = /*__LOCKWORK_SHELL__*/[];
const CACHE = `lockwork-shell-${VERSION}`;
const SYNC_TAG = 'lockwork-outbox';

// install: fetch the whole shell into a cache named by the version. addAll is awaited inside
// waitUntil, so a half-fetched shell fails the install instead of "succeeding" half empty.
// No skipWaiting here: a new version takes over only when the app says the outbox is empty.
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' })))));
});

// activate: delete the caches of earlier versions, then control open pages at once.
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('lockwork-shell-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// message 'skip-waiting': the page saw an empty outbox; check again here before taking over.
self.addEventListener('message', (event) => {
  if (event.data?.type !== 'skip-waiting') return;
  event.waitUntil((async () => {
    if ((await pendingCount()) === 0) await self.skipWaiting();
    else event.source?.postMessage({ type: 'update-blocked' });
  })());
});

// fetch: the API always goes to the network (never answered from a cache, never faked);
// page loads get the cached shell (the app routes itself); shell files come from the cache.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // The server's own pages (OpenAPI at /schema) are not the app: leave them to the network.
  // Nor are the public pages (the booking reply page /s, the fault report /f, and their files):
  // a planner's or fitter's browser that has this worker must open the page a resident sees,
  // not the app.
  const publicPage = ['/s', '/f'].some((p) => url.pathname === p || url.pathname.startsWith(`${p}/`));
  const server = url.pathname.startsWith('/api/') || url.pathname.startsWith('/schema') || url.pathname === '/sw.js' || publicPage;
  if (url.origin !== location.origin || server) return;
  if (request.mode === 'navigate') {
    event.respondWith((async () => {
      const cached = await caches.match('/', { cacheName: CACHE });
      return cached || fetch(request);
    })());
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Unversioned paths (manifest icons) map onto the versioned copy in the cache.
    const versioned = url.pathname.startsWith('/v/') ? url.pathname : `/v/${VERSION}${url.pathname}`;
    const hit = (await cache.match(request)) || (await cache.match(versioned));
    if (hit) return hit;
    const response = await fetch(request);
    if (response.ok && url.pathname.startsWith(`/v/${VERSION}/`)) await cache.put(request, response.clone());
    return response;
  })());
});

// sync: Background Sync after coming back online. An open page does the work (it shows the
// progress); with no page open the worker pushes and pulls itself.
self.addEventListener('sync', (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: 'window' });
    if (pages.length) pages.forEach((p) => p.postMessage({ type: 'sync' }));
    else await syncNow();
    // Still unsent (offline again, server down): reject so the browser tries again later.
    if (!pages.length && (await pendingCount()) > 0) throw new Error('outbox not empty');
  })());
});

// push: the server's Web Push (new job, order completed, order escalated, report due), shown
// in the language the person chose in the app (kept in IndexedDB, as this worker has no
// localStorage).
self.addEventListener('push', (event) => {
  event.waitUntil((async () => {
    const lang = (await meta('lang').catch(() => null)) || 'sv';
    const { title, options } = notificationFor(parsePayload(event.data?.text()), lang, `/v/${VERSION}/icons/icon-192.png`);
    await self.registration.showNotification(title, options);
  })());
});

// notificationclick: open the order, in a window of the app that is already open if there is
// one (the page routes itself on the message), else in a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url || '/';
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === location.origin);
    if (!open) return self.clients.openWindow(url);
    if (open.url !== new URL(url, location.origin).href) open.postMessage({ type: 'open', url });
    // Focusing needs the tap's user activation; without it (the click handled late) the open
    // window still shows the order.
    await open.focus().catch(() => {});
    return open;
  })());
});
