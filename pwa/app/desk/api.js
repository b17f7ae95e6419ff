// The desk's online calls (the planner works at a desk, online; nothing here goes through the
// phone's outbox). Every change sends the order's version, so a board that someone else
// changed meanwhile gets a conflict (409 version_conflict) instead of overwriting it.
import { getJson, postJson, request } from '../api.js';

// The server's largest page (server/web.py MAX_PAGE_SIZE); larger sets are fetched page by page.
const PAGE = 200;
// A board of 50 fitters for a week stays far below this; the bound only stops a runaway loop.
const MAX_PAGES = 50;

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, String(one));
  }
  return q.toString();
};

async function allPages(path, params) {
  const items = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await getJson(`${path}?${query({ ...params, limit: PAGE, offset: page * PAGE })}`);
    items.push(...answer.items);
    if (items.length >= answer.total || !answer.items.length) break;
  }
  return items;
}

export async function fitters() {
  const list = await allPages('/api/users', { role: 'fitter' });
  return list.filter((u) => u.active).sort((a, b) => a.full_name.localeCompare(b.full_name));
}

// Orders planned on the local days from..to (inclusive).
export const planned = (from, to) => allPages('/api/orders', { planned_from: from, planned_to: to });

// The queue: orders without a fitter, and assigned ones still without a time.
// filters: {kind, status: [..], escalated, due_to}
export async function queue(filters = {}) {
  const [unassigned, unplanned] = await Promise.all([
    allPages('/api/orders', { ...filters, unassigned: true }),
    allPages('/api/orders', { ...filters, unassigned: false, planned: false }),
  ]);
  return [...unassigned, ...unplanned];
}

// Colleagues of the caller's organisation (a forward goes to one of them).
export const colleagues = () => allPages('/api/users', {}).then((list) => list.filter((u) => u.active));
export const forwards = (id) => getJson(`/api/orders/${id}/forwards`);
export const forward = (id, body) => postJson(`/api/orders/${id}/forwards`, body);

export const order = (id) => getJson(`/api/orders/${id}`);
export const events = (id) => getJson(`/api/orders/${id}/events`);

export const assign = (o, fitterId) => postJson(`/api/orders/${o.id}/assignment`, { fitter_id: fitterId, expected_version: o.version });

export const transition = (o, body) => postJson(`/api/orders/${o.id}/transitions`, { ...body, expected_version: o.version });

// Plan, and assign when the fitter changes: then one call, the assignment and the plan in one
// transaction on the server, so a refused plan leaves the order as it was.
export async function plan(o, { fitterId, start, minutes }) {
  const when = { planned_start: start.toISOString(), estimate_minutes: minutes };
  if (fitterId !== o.assigned_fitter_id) {
    return postJson(`/api/orders/${o.id}/assignment`, { fitter_id: fitterId, expected_version: o.version, ...when });
  }
  return transition(o, { action: 'schedule', ...when });
}

// The activity list (seed 001): filters as GET /api/activity takes them.
export const activity = (filters = {}) => getJson(`/api/activity?${query({ limit: PAGE, ...filters })}`);
// Who closed how many orders on a local day, in all and per shift.
export const closedPerPerson = (day) => getJson(`/api/activity/closed-per-person?${query({ day })}`);

// -- booking (issue 12, seed 002): locking appointments, letters, SMS, replies --------------
// The contract is the server's booking API (GET/POST /api/booking/..., /api/orders/{id}/booking).

// Lock one fitter's scheduled orders of a local day, or the given orders: each gets a booking
// code and goes to ready_to_print. channel: 'letter' (the default) or 'sms'.
// Answer: {locked: [{order_id, reference, booking_code}], refused: [{order_id, reference, code,
// missing: [...], message, message_sv}]}.
export const lockDay = (fitterId, day, channel = 'letter') => postJson('/api/booking/lock', { fitter_id: fitterId, day, channel });
export const lockOrders = (ids, channel = 'letter') => postJson('/api/booking/lock', { order_ids: ids, channel });

// Orders of a status (the tray's and the follow-up queue's lists); filters as GET /api/orders.
export const ordersIn = (status, filters = {}) => allPages('/api/orders', { ...filters, status });

// Letters made in bulk by a job the server runs (it survives a restart): start it, then poll.
export const startLetterJob = (orderIds) => postJson('/api/booking/letter-jobs', { order_ids: orderIds });
export const letterJob = (id) => getJson(`/api/booking/letter-jobs/${id}`);
// One order's letter, at once (the seed's "Generer brev" on the order).
export const makeLetter = (orderId) => postJson(`/api/booking/orders/${orderId}/letter`);

// Printed ones are asked for the newest `limit` only (the tray shows a few to download again);
// a server that pages no further than that still answers with all of them.
export const letters = (printed = false, limit = undefined) => getJson(`/api/booking/letters?${query({ printed, limit })}`);
export const letterPdf = (id) => `/api/booking/letters/${id}/pdf`;
// The chosen letters as one PDF to print.
export const mergedLetters = (ids) => `/api/booking/letters/merged?${query({ id: ids })}`;
export const markPrinted = (ids) => postJson('/api/booking/letters/printed', { letter_ids: ids });

// The booking SMS for orders locked with the channel 'sms'.
export const sendBookingSms = (orderIds) => postJson('/api/booking/sms', { order_ids: orderIds });

// One order's booking: code, channel, letter, replies, reminders.
export const booking = (orderId) => getJson(`/api/orders/${orderId}/booking`);

// Replies a planner must read (matched nothing, or not a plain yes, and not marked read).
export const unhandledReplies = () => getJson(`/api/booking/replies?${query({ unhandled: true })}`);
export const replyRead = (id) => postJson(`/api/booking/replies/${id}/handled`);

// Manual follow-up (seed 002): confirmed with a confirmation SMS (-> ready_for_execution).
export const confirmationSms = (o) => postJson(`/api/booking/orders/${o.id}/confirmation-sms`, { expected_version: o.version });

// A customer's record (the phone number to call about a reply).
export const customer = (id) => getJson(`/api/customers/${id}`);

// -- routing (issue 13): areas, groups, assignment rules, schedules, the battery rule --------
// The contract is server/routing/routes.py. A planner keeps their own company's; an
// administrator names the company (`org`, the fitters' company's id) on every call.
const routingPath = (path, org) => `/api/routing/${path}${org ? `?${query({ organisation_id: org })}` : ''}`;
// what: 'areas' | 'groups' | 'rules' | 'schedules'
export const routingList = (what, org) => getJson(routingPath(what, org));
export const routingSave = (what, id, body, org) => (id
  ? request('PUT', routingPath(`${what}/${id}`, org), body)
  : postJson(routingPath(what, org), body));
export const routingDelete = (what, id, org) => request('DELETE', routingPath(`${what}/${id}`, org));
// Every rule of the list once, in the new order; the answer is the list as now ordered.
export const reorderRules = (ruleIds, org) => postJson(routingPath('rules/order', org), { rule_ids: ruleIds });
// The home-care providers the company serves ({id, name}): what a rule may name.
export const routingProviders = (org) => getJson(routingPath('providers', org));
// null until one is saved.
export const batteryRule = (org) => getJson(routingPath('battery-rule', org));
export const saveBatteryRule = (body, org) => request('PUT', routingPath('battery-rule', org), body);
// Administrators choose the fitters' company whose settings they keep.
export const fittersCompanies = () => allPages('/api/organisations', {}).then((list) => list.filter((o) => o.kind === 'fitters_company'));
