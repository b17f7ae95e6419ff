// The PouchDB side of bench/sync_vs_pouchdb.py: one scenario per run, JSON on stdout.
//
//   node peer.js '{"cmd": "s1", "url": "http://127.0.0.1:PORT/bench", ...}'
//
// Clients replicate into a fresh leveldb pouch in a temp directory (the default adapter in
// Node), batch_size 1000. Timings are taken inside this process, after PouchDB is loaded.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const zlib = require("zlib");
const crypto = require("crypto");
const PouchDB = require("pouchdb");

const BATCH = 1000;
const args = JSON.parse(process.argv[2]);
const now = () => performance.now() / 1000;

function tempDir(tag) {
  return fs.mkdtempSync(path.join(args.tmp || os.tmpdir(), `pouch-${tag}-`));
}

function localPouch(tag) {
  return new PouchDB(path.join(tempDir(tag), "db"));
}

// Counts the bodies PouchDB receives (decoded) and what they weigh gzip-compressed.
function countingFetch(bytes) {
  return async (url, opts) => {
    const response = await PouchDB.fetch(url, opts);
    const body = Buffer.from(await response.arrayBuffer());
    bytes.responses += 1;
    bytes.raw += body.length;
    bytes.gzip += zlib.gzipSync(body).length;
    const encoding = response.headers.get("content-encoding");
    if (encoding) bytes.encodings[encoding] = (bytes.encodings[encoding] || 0) + 1;
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

function remote(extra) {
  return new PouchDB(args.url, { skip_setup: true, ...(extra || {}) });
}

async function load() {
  const db = new PouchDB(args.url);
  const lines = fs.readFileSync(args.docs, "utf8").split("\n").filter(Boolean);
  const started = now();
  for (let i = 0; i < lines.length; i += BATCH) {
    await db.bulkDocs(lines.slice(i, i + BATCH).map((line) => JSON.parse(line)));
  }
  await db.put({
    _id: "_design/bench",
    filters: {
      by_fitter: "function (doc, req) { return doc.fitter === req.query.fitter; }",
    },
  });
  const info = await db.info();
  return { docs: lines.length, doc_count: info.doc_count, seconds: now() - started };
}

async function replicateAll(options) {
  const bytes = { responses: 0, raw: 0, gzip: 0, encodings: {} };
  const source = remote(args.measure_bytes ? { fetch: countingFetch(bytes) } : {});
  const target = localPouch(args.cmd);
  const started = now();
  const result = await PouchDB.replicate(source, target, { batch_size: BATCH, ...options });
  const seconds = now() - started;
  const info = await target.info();
  return {
    seconds,
    docs_written: result.docs_written,
    held: info.doc_count,
    bytes: args.measure_bytes ? bytes : undefined,
  };
}

async function s1() {
  return replicateAll({});
}

async function s2() {
  return replicateAll({ filter: "bench/by_fitter", query_params: { fitter: args.fitter } });
}

// S4 (empty pull) and S3 (pull after 100 changes), each after a warm-up, in one client.
async function s3s4() {
  const source = remote();
  const target = localPouch("s3");
  await PouchDB.replicate(source, target, { batch_size: BATCH });
  const ids = (
    await source.allDocs({
      startkey: "order:",
      endkey: "order:\ufff0",
      limit: args.changes * (args.repeats + 2),
    })
  ).rows.map((r) => r.id);
  const empty = [];
  const after = [];
  const pulled = [];
  for (let round = 0; round <= args.repeats; round += 1) {
    let started = now();
    await PouchDB.replicate(source, target, { batch_size: BATCH });
    if (round > 0) empty.push(now() - started);
    // 100 changes on the server (a contact attempt noted on 100 orders), not timed.
    const slice = ids.slice(round * args.changes, (round + 1) * args.changes);
    const docs = (await source.allDocs({ keys: slice, include_docs: true })).rows.map((r) => {
      const doc = r.doc;
      doc.contact_attempts = (doc.contact_attempts || []).concat([
        { at: new Date().toISOString(), to_whom: "customer", outcome: "no_answer" },
      ]);
      return doc;
    });
    await source.bulkDocs(docs);
    started = now();
    const result = await PouchDB.replicate(source, target, { batch_size: BATCH });
    if (round > 0) {
      after.push(now() - started);
      pulled.push(result.docs_written);
    }
  }
  return { empty, after, pulled };
}

// S5: write on the server -> the client's live changes feed reports it.
async function s5() {
  const source = remote();
  const latencies = [];
  let waiting = null;
  const feed = source.changes({ live: true, since: "now" }).on("change", (change) => {
    if (waiting && change.id === waiting.id) waiting.resolve(now());
  });
  // Let the feed's first request reach the server before the first write.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (let i = 0; i < args.warmup + args.samples; i += 1) {
    const id = `poke:${crypto.randomUUID()}`;
    const heard = new Promise((resolve) => {
      waiting = { id, resolve };
    });
    const started = now();
    await source.put({ _id: id, type: "contact_attempt", outcome: "no_answer" });
    const at = await heard;
    if (i >= args.warmup) latencies.push(at - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  feed.cancel();
  return { latencies };
}

// S6: 1,000 client-made docs pushed by replication; 10 % of them sent again from a second
// pouch holding the same revisions (an acknowledgement lost, the client re-sends).
async function s6() {
  const source = remote();
  const run = crypto.randomUUID().slice(0, 8);
  const local = localPouch("s6");
  const docs = [];
  for (let i = 0; i < args.mutations; i += 1) {
    docs.push({
      _id: `ca:${run}:${String(i).padStart(5, "0")}`,
      type: "contact_attempt",
      order: args.orders[i % args.orders.length],
      to_whom: "customer",
      outcome: "no_answer",
      at: new Date().toISOString(),
    });
  }
  await local.bulkDocs(docs);
  const again = localPouch("s6dup");
  const chosen = (await local.allDocs({ include_docs: true })).rows
    .filter((_, i) => i % Math.round(1 / args.duplicate_share) === 0)
    .map((r) => r.doc);
  await again.bulkDocs(chosen, { new_edits: false });
  const started = now();
  await PouchDB.replicate(local, source, { batch_size: BATCH });
  await PouchDB.replicate(again, source, { batch_size: BATCH });
  const seconds = now() - started;
  const stored = await source.allDocs({ startkey: `ca:${run}:`, endkey: `ca:${run}:\ufff0` });
  return {
    seconds,
    sent: docs.length + chosen.length,
    duplicates: chosen.length,
    stored: stored.rows.length,
    doubles: stored.rows.length - docs.length,
  };
}

const commands = { load, s1, s2, s3s4, s5, s6 };

commands[args.cmd]()
  .then((result) => {
    process.stdout.write(JSON.stringify(result) + "\n");
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : JSON.stringify(error)}\n`);
    process.exit(1);
  });
