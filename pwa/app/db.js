// IndexedDB: one database, numbered schema upgrades, thin promise wrappers.
// No DOM here: this module also runs inside the service worker.

const DB_NAME = 'lockwork';

// Entity stores mirror the server's sync entities (server/sync/changes.py), keyed by id.
export const ENTITIES = ['order', 'customer', 'lock', 'contact_attempt', 'order_event', 'message', 'mutation'];
// Child rows that belong to one order; removed with it when it leaves our scope.
export const CHILDREN = ['contact_attempt', 'order_event', 'message'];

// UPGRADES[n] takes the database from version n to n + 1. Append only: never edit a step
// that has shipped, since phones in the field run every step from their own version up.
const UPGRADES = [
  (db) => {
    for (const name of ENTITIES) {
      const store = db.createObjectStore(name, { keyPath: 'id' });
      if (CHILDREN.includes(name)) store.createIndex('order_id', 'order_id');
    }
    db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('seq', 'seq', { unique: true });
    db.createObjectStore('problem', { keyPath: 'id' });
    db.createObjectStore('meta');
  },
];
export const DB_VERSION = UPGRADES.length;

let opening = null;

export function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      for (let v = event.oldVersion; v < DB_VERSION; v++) UPGRADES[v](request.result, request.transaction);
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab or the service worker opened a newer schema: let it upgrade.
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => { opening = null; reject(request.error); };
    request.onblocked = () => console.warn('IndexedDB upgrade waits for another tab to close');
  });
  return opening;
}

export const req = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

// Run `work(tx)` in one transaction; resolves with its result once the transaction commits.
// `work` may await requests of this transaction only (other awaits would let it auto-commit).
// 'strict' durability flushes to disk before the commit counts (the outbox must survive a
// crash); 'relaxed' is for what is rewritten on every keystroke (drafts).
export async function transact(stores, mode, work, durability = 'strict') {
  const db = await open();
  const tx = db.transaction(stores, mode, { durability });
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
  let result;
  try {
    result = await work(tx);
  } catch (error) {
    try { tx.abort(); } catch { /* already finished */ }
    throw error;
  }
  await done;
  return result;
}

export const read = (stores, work) => transact(stores, 'readonly', work);
export const write = (stores, work, durability) => transact(stores, 'readwrite', work, durability);

export const getAll = (tx, store, query) => req(tx.objectStore(store).getAll(query));
export const get = (tx, store, key) => req(tx.objectStore(store).get(key));
export const byIndex = (tx, store, index, value) => req(tx.objectStore(store).index(index).getAll(value));

export async function clearAll() {
  await write([...ENTITIES, 'outbox', 'problem', 'meta'], (tx) => {
    for (const name of tx.objectStoreNames) tx.objectStore(name).clear();
  });
}
