// The byte-heavy work on stored documents: merging updates, folding them
// through a Y.Doc, and compaction with its own reads and writes. Plain
// JavaScript, because it runs on a worker thread started without a TypeScript
// loader (yjs-worker.mjs); the event loop uses the same functions for a
// load's merges when that thread cannot run, never for compaction. Types: yjs-jobs.d.mts.
import { createHash } from "node:crypto";
import * as Y from "yjs";
import { stateVectorWithTail } from "./cold-tail.mjs";
import { storedDiff } from "./stored-diff.mjs";
import { copyOutSlices, fromBase64, quoteLiteral, toBase64 } from "./binary-copy.mjs";

/** Updates merged in one call at most; see mergeMany. */
export const MERGE_FANIN = 64;

/**
 * Merges updates in rounds of MERGE_FANIN. One Y.mergeUpdates over a long log
 * grows worse than linearly (about 4 s for 8,000 small updates here, minutes
 * for 100,000); merged a few dozen at a time, then the merges merged, the same
 * log takes a fraction of that, and the result is the same update.
 */
export function mergeMany(parts) {
  while (parts.length > 1) {
    const next = [];
    for (let i = 0; i < parts.length; i += MERGE_FANIN) {
      const group = parts.slice(i, i + MERGE_FANIN);
      next.push(group.length === 1 ? group[0] : Y.mergeUpdates(group));
    }
    parts = next;
  }
  return parts[0];
}

/**
 * Reads an update through, every struct with its content and the deletions,
 * without building a document: throws where Yjs would on bytes that do not
 * parse. Y.mergeUpdates reads its parts the same way.
 */
export function check(update) {
  Y.decodeUpdate(update);
}

/**
 * Folds a document's snapshot (null for none) and the log rows after it into
 * one state, with its SHA-256. Through a Y.Doc, so that deleted content is
 * garbage-collected, unless nothing awaits collection: a snapshot was
 * collected when a fold wrote it, so when the rows delete nothing their merge
 * with it is the same document, made without building one. That is the
 * common case for a growing document (new annotations delete nothing), and
 * the cheap one: a Y.Doc of 30,000 annotations holds about 206 MB of heap,
 * their merge a few times the 18 MB state.
 */
export function fold(snapshot, rows) {
  const merged = rows.length > 0 ? mergeMany(rows) : null;
  if (snapshot && (merged === null || !deletes(merged))) {
    const state = merged === null ? snapshot : Y.mergeUpdates([snapshot, merged]);
    return folded(state, Y.encodeStateVectorFromUpdate(state));
  }
  const doc = new Y.Doc();
  if (snapshot) Y.applyUpdate(doc, snapshot);
  if (merged) Y.applyUpdate(doc, merged);
  const state = Y.encodeStateAsUpdate(doc);
  const stateVector = Y.encodeStateVector(doc);
  doc.destroy();
  return folded(state, stateVector);
}

/** A fold's result as it is stored: the state, its SHA-256 and its state vector (doc_snapshots). */
const folded = (state, stateVector) => ({ state, sha256: createHash("sha256").update(state).digest(), stateVector });

/**
 * The jobs on bytes alone, by name: the worker runs them (yjs-worker.mjs), and
 * so does the event loop when the worker cannot (yjs-worker.ts, `runHere`).
 * Parts travel as one list; a fold's `snapshotFirst` says whether the first
 * of them is the snapshot, and a diff's `stored` how many of those after the
 * state vector are stored (the rest were loaded, when `loaded`).
 */
export function byteJob(kind, parts, options) {
  switch (kind) {
    case "merge":
      return { state: mergeMany(parts) };
    case "fold":
      return options?.snapshotFirst ? fold(parts[0], parts.slice(1)) : fold(null, parts);
    case "state-vector":
      return { state: Y.encodeStateVectorFromUpdate(parts[0]) };
    case "tail-state-vector":
      return { state: stateVectorWithTail(parts[0], parts[1]) };
    case "check":
      check(parts[0]);
      return {};
    case "stored-diff": {
      const end = 1 + options.stored;
      const state = storedDiff(parts[0], parts.slice(1, end), options.loaded ? parts.slice(end) : null);
      return state ? { state } : {};
    }
    default:
      throw new Error(`unknown job ${kind}`);
  }
}

/** Whether an update deletes anything (its delete set names a client). */
function deletes(update) {
  return Y.decodeUpdate(update).ds.clients.size > 0;
}

/**
 * What one compaction pass takes from a document's log, given the byte sizes
 * of its rows (oldest first) and of its snapshot (null for none): whether it
 * merges rows into one row or folds them into the snapshot, and `from`, the
 * first row it reads. A tail whose bytes reach a `foldRatio`-th of the
 * snapshot's is folded whole, and so is a tail of one row.
 *
 * `whole` takes every row, for a document nobody has open, folded until its
 * next load is one snapshot: a short tail is merged whole into one row, which
 * the next pass folds. Folding each batch of a long log straight into the
 * snapshot instead rebuilt the document once per batch wherever rows delete
 * something (`fold`): 9.1 s for the bench's 100,000-row log, against
 * 2.3–3.2 s this way.
 *
 * A shorter tail is merged, but only its newest run: the newest row and,
 * going back, each older row at most twice the run so far. Merged rows then
 * stack up like the digits of a binary counter, each a few times the size of
 * the one after it, and a pass re-reads an older merged row only once the
 * run has grown to half its size. Before, every pass merged the whole tail,
 * up to a quarter of the snapshot, every 500 rows: in the fifth minute of an
 * embedded soak each pass took the compaction thread 95–197 ms, and more at
 * every pass (docs/architecture.md, "Persistence and the commit").
 */
export function planPass(snapshotBytes, sizes, { foldRatio, whole = false }) {
  const tailBytes = sizes.reduce((n, s) => n + s, 0);
  if (snapshotBytes === null || sizes.length === 1 || tailBytes * foldRatio >= snapshotBytes) return { merge: false, from: 0 };
  if (whole) return { merge: true, from: 0 };
  let from = sizes.length - 1;
  let run = sizes[from];
  while (from > 0 && sizes[from - 1] <= 2 * run) run += sizes[--from];
  // A run of one row has nothing to merge with: the tail is folded instead.
  return from < sizes.length - 1 ? { merge: true, from } : { merge: false, from: 0 };
}

/**
 * `planPass` over the rows a pass listed (`{ id, bytes }`, oldest first) and
 * its snapshot's row (`{ bytes }`, or none): whether it merges, and the ids
 * of the rows it reads. Both databases' passes list and plan alike.
 */
export function planRows(snapshot, tail, options) {
  const { merge, from } = planPass(snapshot ? Number(snapshot.bytes) : null, tail.map((r) => Number(r.bytes)), options);
  return { merge, ids: tail.slice(from).map((r) => r.id) };
}

/** The snapshot's new `through_update_id`: the highest of the folded row ids and the old one (bigints as text). */
export function throughAfter(ids, through) {
  return ids.reduce((a, b) => (BigInt(b) > a ? BigInt(b) : a), BigInt(through ?? 0)).toString();
}

/** Another compactor got to these rows first: nothing is written, and nothing is lost. */
class Overtaken extends Error {}

/**
 * Folds the log rows it reads into the snapshot and deletes exactly those
 * rows, so that a row written meanwhile survives; returns how many rows the
 * log lost (docs/architecture.md, "Persistence and the commit").
 *
 * Reading and folding happen outside any transaction: a fold takes seconds
 * for a large document, and the embedded database runs one transaction at a
 * time, so one held open that long would hold every commit behind it. The
 * short transaction that writes checks, under the per-document lock, that
 * nobody folded or merged those rows meanwhile; if somebody did, it writes
 * nothing.
 *
 * A short tail beside a big snapshot is merged into fewer log rows instead,
 * reading only the rows it merges (`planPass`); the rows reach the snapshot
 * once their bytes are a `foldRatio`-th of it.
 *
 * The snapshot comes out by binary COPY (binary-copy.mjs); the rest travels
 * as base64 text: postgres.js sends every parameter as text, and its bytea
 * form is hex, twice the size and slower to make and parse.
 */
export async function compactDocument(sql, docName, options) {
  // Ordered by the column, not by the text alias: as text, row 10 sorts before row 9, so a batch would
  // skip old rows and hand the fold updates before the ones they build on (Yjs then keeps them pending
  // and retries them on every later update, which took a 100,000-row log past ten minutes).
  const tail = await sql`
    select id::text as id, octet_length("update") as bytes from doc_updates
    where doc_name = ${docName} order by doc_updates.id limit ${options.batch}`;
  if (tail.length === 0) return 0;
  const [snapshot] = await sql`
    select octet_length(state) as bytes, through_update_id::text as through from doc_snapshots where doc_name = ${docName}`;
  const { merge, ids } = planRows(snapshot, tail, options);
  const rows = await sql`
    select encode("update", 'base64') as update from doc_updates
    where doc_name = ${docName} and id = any(${ids}::bigint[]) order by doc_updates.id`;
  if (rows.length !== ids.length) return 0; // compacted by someone else since
  const parts = rows.map((r) => fromBase64(r.update));
  let folded = null;
  if (!merge) {
    const stored = snapshot
      ? (
          await copyOutSlices(
            sql,
            `select state from doc_snapshots where doc_name = ${quoteLiteral(docName)} and through_update_id = ${quoteLiteral(snapshot.through)}::bigint`,
            0,
          )
        )?.bytes
      : null;
    if (snapshot && !stored) return 0; // folded by someone else since
    folded = fold(stored ?? null, parts);
  }
  const merged = merge ? mergeMany(parts) : null;
  const through = throughAfter(ids, snapshot?.through ?? null);
  try {
    return await sql.begin(async (tx) => {
      // One compactor per document across every process sharing the database.
      await tx`select pg_advisory_xact_lock(hashtext(${`compact:${docName}`}))`;
      const [current] = await tx`select through_update_id::text as through from doc_snapshots where doc_name = ${docName}`;
      if ((current?.through ?? null) !== (snapshot?.through ?? null)) throw new Overtaken();
      const deleted = await tx`delete from doc_updates where doc_name = ${docName} and id = any(${ids}::bigint[]) returning id`;
      if (deleted.length !== ids.length) throw new Overtaken();
      if (merged) {
        await tx`insert into doc_updates (doc_name, "update", user_id) values (${docName}, decode(${toBase64(merged)}, 'base64'), null)`;
        return ids.length - 1;
      }
      await tx`
        insert into doc_snapshots (doc_name, state, through_update_id, state_hash, state_vector)
        values (${docName}, decode(${toBase64(folded.state)}, 'base64'), ${through}::bigint, decode(${folded.sha256.toString("hex")}, 'hex'),
          decode(${toBase64(folded.stateVector)}, 'base64'))
        on conflict (doc_name) do update set state = excluded.state, through_update_id = excluded.through_update_id,
          state_hash = excluded.state_hash, state_vector = excluded.state_vector, updated_at = now()`;
      return ids.length;
    });
  } catch (err) {
    if (err instanceof Overtaken) return 0;
    throw err;
  }
}
