// The local store: what screens read and the one way they change data.
// A change is an intent mutation written to the outbox in the same IndexedDB transaction as
// its optimistic local rows, so a crash can never leave one without the other. Screens see
// server rows with the pending outbox laid over them (the rebase is that overlay, recomputed
// on every read, so pulled server state is never overwritten by stale local guesses).
// No DOM here: this module also runs inside the service worker.
import { ENTITIES, CHILDREN, read, write, get, getAll, byIndex, req } from './db.js';
import { flagsNow, escalatedNow } from './flags.js';

// Notifies screens (this page) and other tabs (BroadcastChannel) that data changed.
export const changes = new EventTarget();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('lockwork') : null;
channel?.addEventListener('message', (e) => {
  if (e.data === 'change') changes.dispatchEvent(new Event('change'));
});
export function notify() {
  changes.dispatchEvent(new Event('change'));
  channel?.postMessage('change');
}

export const OPEN = ['draft', 'ordered', 'contacting', 'scheduled', 'ready_to_print',
  'awaiting_response', 'manual_followup', 'ready_for_execution', 'in_progress', 'on_hold'];
export const FILTERS = {
  all: () => true,
  open: (o) => OPEN.includes(o.status),
  to_contact: (o) => ['ordered', 'contacting'].includes(o.status),
  booked: (o) => ['scheduled', 'ready_to_print', 'awaiting_response', 'manual_followup',
    'ready_for_execution', 'in_progress'].includes(o.status),
  overdue: (o) => flagsNow(o).overdue,
  escalated: escalatedNow,
  done: (o) => ['done', 'cancelled'].includes(o.status),
};

// What a fitter may do next in each status, used while local changes are pending (the
// server's allowed_actions describe the server's state, which the overlay has moved past).
const FITTER_ACTIONS = {
  ordered: ['schedule', 'put_on_hold'], contacting: ['schedule', 'put_on_hold'],
  scheduled: ['schedule', 'confirm', 'put_on_hold'], manual_followup: ['schedule', 'confirm', 'put_on_hold'],
  ready_for_execution: ['start', 'schedule', 'put_on_hold'], in_progress: ['complete', 'put_on_hold'],
};

// -- meta ---------------------------------------------------------------------------------
export const meta = (key) => read(['meta'], (tx) => get(tx, 'meta', key));
export const setMeta = (key, value) => write(['meta'], (tx) => tx.objectStore('meta').put(value, key));

// -- drafts -------------------------------------------------------------------------------
// What a person typed into a form and has not sent yet (ui.js), so that neither a refresh nor
// a reload loses it. Kept in the meta store under "draft:" keys, so that logging out (which
// clears every store) takes them along. A draft changes on every keystroke: it is written with
// relaxed durability and announced to nobody (a change event would refresh the screen).
const DRAFT = 'draft:';
export const draft = (key) => meta(DRAFT + key);
export const saveDraft = (key, fields) =>
  write(['meta'], (tx) => tx.objectStore('meta').put(fields, DRAFT + key), 'relaxed');
export const dropDraft = (key) => write(['meta'], (tx) => tx.objectStore('meta').delete(DRAFT + key));

// -- reading ------------------------------------------------------------------------------
export const pending = () => read(['outbox'], (tx) => req(tx.objectStore('outbox').index('seq').getAll()));
export const pendingCount = () => read(['outbox'], (tx) => req(tx.objectStore('outbox').count()));
export const problems = () => read(['problem'], (tx) => getAll(tx, 'problem'));
export const dismissProblem = async (id) => {
  await write(['problem'], (tx) => tx.objectStore('problem').delete(id));
  notify();
};

function overlay(order, outbox) {
  // In sequence order: the outbox store is keyed by mutation id, which is random.
  const mine = outbox.filter((m) => m.args.order_id === order.id).sort((a, b) => a.seq - b.seq);
  if (!mine.length) return order;
  const o = { ...order, _pending: mine.length };
  for (const m of mine) {
    if (m.name === 'contact_attempt.add' && o.status === 'ordered') o.status = 'contacting';
    if (m.name === 'order.schedule') Object.assign(o, { status: 'scheduled', planned_start: m.args.planned_start, estimate_minutes: m.args.estimate_minutes ?? o.estimate_minutes });
    if (m.name === 'order.confirm') o.status = 'ready_for_execution';
    if (m.name === 'order.start') o.status = 'in_progress';
    if (m.name === 'order.send_draft' && o.status === 'draft') o.status = 'ordered';
    if (m.name === 'order.cancel') Object.assign(o, { status: 'cancelled', cancel_reason: m.args.reason });
    if (m.name === 'order.put_on_hold') Object.assign(o, { status: 'on_hold', hold_until: m.args.hold_until });
    if (m.name === 'order.complete') Object.assign(o, { status: 'done', completion: m.args.completion, _awaiting_server: true });
  }
  o.allowed_actions = FITTER_ACTIONS[o.status] || [];
  return o;
}

// Escalated first, then overdue, then oldest first (as the server lists them).
const byUrgency = (a, b) => (Number(escalatedNow(b)) - Number(escalatedNow(a)))
  || (Number(flagsNow(b).overdue) - Number(flagsNow(a).overdue))
  || String(a.ordered_at || '').localeCompare(String(b.ordered_at || ''));

export async function orders(filter = 'open') {
  const [rows, outbox] = await read(['order', 'outbox'], (tx) => Promise.all([getAll(tx, 'order'), getAll(tx, 'outbox')]));
  const test = FILTERS[filter] || FILTERS.open;
  return rows.map((o) => overlay(o, outbox)).filter(test).sort(byUrgency);
}

export async function order(id) {
  const [row, outbox] = await read(['order', 'outbox'], (tx) => Promise.all([get(tx, 'order', id), getAll(tx, 'outbox')]));
  return row ? overlay(row, outbox) : null;
}

// Everything the order screen shows, read in one transaction so it is consistent.
export async function orderDetail(id) {
  const stores = ['order', 'customer', 'lock', 'outbox', 'problem', ...CHILDREN];
  return read(stores, async (tx) => {
    const [row, outbox, allProblems, attempts, events, messages] = await Promise.all([
      get(tx, 'order', id), getAll(tx, 'outbox'), getAll(tx, 'problem'),
      byIndex(tx, 'contact_attempt', 'order_id', id), byIndex(tx, 'order_event', 'order_id', id),
      byIndex(tx, 'message', 'order_id', id)]);
    const byTime = (a, b) => String(a.at).localeCompare(String(b.at));
    const probs = allProblems.filter((p) => p.order_id === id);
    // A call being taken back (the undo, still in the outbox) is gone already for every rule
    // that counts calls; a refused undo leaves the outbox and the call shows again.
    const withdrawing = new Set(outbox.filter((m) => m.name === 'contact_attempt.withdraw').map((m) => m.args.attempt_id));
    if (!row) return { order: null, problems: probs };
    const [customer, lock] = await Promise.all([
      get(tx, 'customer', row.customer_id), row.lock_id ? get(tx, 'lock', row.lock_id) : null]);
    return {
      order: overlay(row, outbox), customer, lock, problems: probs,
      attempts: attempts.filter((a) => !withdrawing.has(a.id)).sort(byTime), events: events.sort(byTime), messages: messages.sort(byTime),
      pending: outbox.filter((m) => m.args.order_id === id),
    };
  });
}

export const customer = (id) => read(['customer'], (tx) => get(tx, 'customer', id));
export const lock = (id) => read(['lock'], (tx) => get(tx, 'lock', id));
export const all = (entity) => read([entity], (tx) => getAll(tx, entity));

// -- changing -----------------------------------------------------------------------------
const uuid = () => crypto.randomUUID();

// Optimistic child rows some mutations create, keyed by the id the device chose.
function childRow(name, args, user, at) {
  if (name === 'contact_attempt.add') {
    return ['contact_attempt', { id: args.attempt_id, order_id: args.order_id, at: args.at || at, made_by_id: user?.id,
      to_whom: args.to_whom, contact_name: args.contact_name || '', phone: args.phone || '', outcome: args.outcome, note: args.note || '' }];
  }
  if (name === 'message.add') {
    return ['message', { id: args.message_id, order_id: args.order_id, author_id: user?.id,
      author_name: user?.full_name || '', body: args.body, at }];
  }
  return null;
}

// Queue one intent mutation (and its local rows) in a single transaction; returns its id.
// `order` is the order as shown, for the label a later explanation needs and base_version.
// `draft` names the draft the mutation was typed in: it goes in the same transaction, so the
// text is never in both places (sent twice) nor in neither (lost).
// `rows`: optimistic rows of other stores ([store, row] pairs), such as the order a queued
// `order.place` shows until the server's own arrives (a refusal takes them back).
export async function mutate(name, args, order = null, { draft: draftKey = null, rows = [] } = {}) {
  const id = uuid();
  if (name === 'contact_attempt.add') args.attempt_id ??= uuid();
  if (name === 'message.add') args.message_id ??= uuid();
  const now = new Date().toISOString();
  await write(['outbox', 'meta', 'contact_attempt', 'message', 'order'], async (tx) => {
    const metaStore = tx.objectStore('meta');
    const [seq, user] = await Promise.all([req(metaStore.get('next_seq')), req(metaStore.get('user'))]);
    const next = seq || 1;
    metaStore.put(next + 1, 'next_seq');
    tx.objectStore('outbox').put({
      id, seq: next, name, args, created_at: now,
      // Appended facts (calls, messages) never conflict; order changes tell the server which
      // version they were made on, so it can answer "overridden".
      base_version: name.startsWith('order.') ? order?.version ?? null : null,
      label: order ? { reference: order.reference, customer_name: order.customer_name } : null,
      // The optimistic rows of other stores, taken back if the server refuses the mutation.
      made: rows.map(([store, row]) => [store, row.id]),
    });
    const child = childRow(name, args, user, now);
    if (child) tx.objectStore(child[0]).put({ ...child[1], _pending: id });
    for (const [store, row] of rows) tx.objectStore(store).put({ ...row, _pending: id });
    if (draftKey) metaStore.delete(DRAFT + draftKey);
  });
  notify();
  return id;
}

// -- applying what the server said (used by sync.js) ---------------------------------------

function recordProblem(tx, entry, result) {
  tx.objectStore('problem').put({
    id: entry.id, name: entry.name, order_id: entry.args.order_id, label: entry.label, args: entry.args,
    code: result.code, message: result.message, message_sv: result.message_sv, at: new Date().toISOString(),
  });
  const child = childRow(entry.name, entry.args, null, '');
  if (child) tx.objectStore(child[0]).delete(child[1].id);
  // Rows shown for it (a queued order): only the refusal, with the reason, stays.
  for (const [store, id] of entry.made || []) tx.objectStore(store).delete(id);
}

// One push answer: acknowledged mutations leave the outbox; a rejection becomes a problem the
// person sees, and the optimistic rows it made are taken back. Returns how many left the outbox.
export async function applyResults(results) {
  let settled = 0;
  await write(['outbox', 'problem', 'contact_attempt', 'message', 'order'], async (tx) => {
    const outbox = tx.objectStore('outbox');
    for (const result of results) {
      const entry = await req(outbox.get(result.id));
      if (!entry) continue;
      outbox.delete(result.id);
      settled += 1;
      if (result.status === 'rejected') recordProblem(tx, entry, result);
    }
  });
  if (settled) notify();
  return settled;
}

// One pulled page in one transaction: upserts, removals (an order leaving our scope takes its
// child rows along) and the new cursor. Our own rejections seen on pull are handled as above.
export async function applyPage(page, clientId) {
  const stores = [...ENTITIES, 'outbox', 'problem', 'meta'];
  await write(stores, async (tx) => {
    for (const change of page.changes) {
      if (!ENTITIES.includes(change.entity)) continue; // an entity this app version does not know
      const store = tx.objectStore(change.entity);
      if (change.op === 'remove') {
        store.delete(change.id);
        if (change.entity === 'order') {
          for (const child of CHILDREN) {
            const keys = await req(tx.objectStore(child).index('order_id').getAllKeys(change.id));
            keys.forEach((k) => tx.objectStore(child).delete(k));
          }
        }
        continue;
      }
      store.put({ ...change.data, id: change.id, _v: change.version });
      if (change.entity === 'mutation' && change.data.client_id === clientId) {
        const entry = await req(tx.objectStore('outbox').get(change.id));
        if (entry) {
          tx.objectStore('outbox').delete(change.id);
          if (change.data.status === 'rejected') recordProblem(tx, entry, change.data);
        }
      }
    }
    tx.objectStore('meta').put(page.cursor, 'cursor');
  });
  if (page.changes.length) notify();
}

// After registering anew the server counts from 1 again: renumber what is pending, in order,
// keeping each mutation's id (the server deduplicates by it).
export async function renumber(first = 1) {
  await write(['outbox', 'meta'], async (tx) => {
    const entries = await req(tx.objectStore('outbox').index('seq').getAll());
    const outbox = tx.objectStore('outbox');
    // Two passes so the unique seq index never sees a duplicate mid-way.
    entries.forEach((e, i) => outbox.put({ ...e, seq: -1 - i }));
    entries.forEach((e, i) => outbox.put({ ...e, seq: first + i }));
    tx.objectStore('meta').put(first + entries.length, 'next_seq');
  });
}
