// What a push message shows: the server's payload (server/orders/notifications.py: type,
// order_id, reference, title, body, url; never a customer's name or identity number) turned
// into a notification title and text in the person's language. Pure, no DOM: sw.js uses it.

const TEXTS = {
  order_assigned: {
    sv: ['Nytt jobb tilldelat', 'Order {reference} är tilldelad dig.'],
    en: ['New job assigned', 'Order {reference} has been assigned to you.'],
  },
  order_done: {
    sv: ['Order klar', 'Order {reference} är klarrapporterad.'],
    en: ['Order completed', 'Order {reference} has been reported complete.'],
  },
  order_escalated: {
    sv: ['Order eskalerad', 'Order {reference}: låsmontören har inte nått kunden på tre arbetsdagar.'],
    en: ['Order escalated', 'Order {reference}: the fitter has not reached the customer in three working days.'],
  },
  // For planners (server/orders/notifications.py, audience "planner").
  order_new: {
    sv: ['Ny order', 'Order {reference} väntar på att planeras.'],
    en: ['New order', 'Order {reference} is waiting to be planned.'],
  },
  order_back_from_hold: {
    sv: ['Order tillbaka från vilande', 'Order {reference} är tillbaka i kön att planeras.'],
    en: ['Order back from hold', 'Order {reference} is back in the queue to be planned.'],
  },
  report_due: {
    sv: ['Klarrapport saknas', 'Lämna klarrapporten för order {reference}.'],
    en: ['Completion report missing', 'File the completion report for order {reference}.'],
  },
};

const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The app's own address of the order (the payload's url is the server's public one, which may
// be another host name than the one this app was installed from).
export function orderPath(payload) {
  const id = String(payload?.order_id ?? '');
  return ORDER_ID.test(id) ? `/orders/${id}` : '/';
}

// {title, options} for registration.showNotification; unknown types show the server's text.
export function notificationFor(payload, lang = 'sv', icon = undefined) {
  const data = payload && typeof payload === 'object' ? payload : {};
  const known = TEXTS[data.type]?.[lang] ?? TEXTS[data.type]?.sv;
  const fill = (s) => s.replace('{reference}', String(data.reference ?? ''));
  const title = known ? fill(known[0]) : String(data.title || 'Lockwork');
  const body = known ? fill(known[1]) : String(data.body || '');
  return {
    title,
    options: {
      body,
      lang,
      icon,
      // One notification per order and kind: a repeat replaces it instead of piling up.
      tag: `${data.type || 'lockwork'}:${data.order_id || ''}`,
      data: { url: orderPath(data), type: data.type || '', order_id: data.order_id || null },
    },
  };
}

// The payload as JSON, or a plain text line shown as it is.
export function parsePayload(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : { body: String(value) };
  } catch {
    return { body: text };
  }
}
