// Start-up: language, service worker, session, sync, then the router shows a screen.
// Each screen module registers its own route; importing it is all main.js does with it.
import { applyDocument, t } from './i18n.js';
import * as router from './router.js';
import * as session from './session.js';
import * as sync from './sync.js';
import * as updates from './updates.js';
import { announce } from './ui.js';
import './status.js';
import './screens/login.js';
import './screens/my-day.js';
import './screens/order-list.js';
import './screens/order-detail.js';
import './screens/settings.js';
// Paper: the print views of one order and of a day's visits.
import './screens/print.js';
// The gateway's QR code opens /gateway (pairing the app with the gateway).
import './screens/gateway-link.js';
// Home-care staff: /orders/new is registered before their /orders/:id.
import './screens/new-order.js';
import './screens/orderer-orders.js';
import './screens/orderer-order.js';
import './screens/customer-locks.js';
// Administration (role admin): users, organisations, the outbox.
import './admin/index.js';
// Planners and administrators: the desk (its screens load when first shown).
import './desk/routes.js';

async function boot() {
  applyDocument();
  updates.register();
  const ended = () => sync.status.dispatchEvent(new Event('unauthenticated'));
  const user = await session.restore(ended);
  router.setUser(user || null);
  if (user) sync.start();
  sync.status.addEventListener('unauthenticated', () => {
    // The session ended (expired or logged out elsewhere): log in again; nothing is lost.
    router.setUser(null);
    router.render();
    announce(t('login.expired'));
  });
  let wasOnline = sync.state.online;
  sync.status.addEventListener('change', () => {
    const online = sync.state.online && navigator.onLine;
    if (online !== wasOnline) announce(online ? t('sync.online') : t('sync.offline'));
    wasOnline = online;
  });
  router.start();
}

boot();
