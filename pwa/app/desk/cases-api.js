// The desk's calls for fault reports (issue 13, seeds 003/004): the cases from the public page
// /f and what a planner does with them. Online only, like the rest of the desk (desk/api.js).
import { getJson, postJson } from '../api.js';

const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.append(k, String(v));
  return q.toString();
};

// The server's largest page (server/web.py MAX_PAGE_SIZE): the newest cases of a status.
export const PAGE = 200;

// {total, limit, offset, items: [{id, number, status, received_at, text, reporter_name,
// reporter_relation, has_photo, from_qr, lock_serial, customer_name, order_reference}]}
export const cases = (status) => getJson(`/api/cases?${query({ status, limit: PAGE })}`);
// One case: the reporter's contact, the photo's address, the lock and customer from the
// label, the customer's locks, the order made from it, the answer, allowed_actions.
export const fault = (id) => getJson(`/api/cases/${id}`);
export const photoUrl = (id) => `/api/cases/${id}/photo`;
// {kind, customer_id, lock_id?, description?, answer?} -> {case, order_id, order_reference};
// 409 order_exists when the lock has an open order of that kind.
export const makeOrder = (id, body) => postJson(`/api/cases/${id}/order`, body);
export const close = (id, answer) => postJson(`/api/cases/${id}/close`, { answer });

// Customers and locks to choose from when the label named none (or another is meant).
export const customers = () => getJson(`/api/customers?${query({ limit: PAGE })}`).then((page) => page.items);
export const locksOf = (customerId) => getJson(`/api/locks?${query({ customer_id: customerId, limit: PAGE })}`).then((page) => page.items);
