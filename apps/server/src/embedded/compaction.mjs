// Compaction's reads and writes for the embedded database, run on its own
// thread straight on PGlite (docs/architecture.md, "Persistence and the
// commit"). The server's thread only hands bytes along, transferred rather
// than copied, between this thread and the one that folds them: no snapshot
// is ever bound, parsed or base64-coded on the event loop, and none crosses
// the wire-protocol socket, where pglite-socket's buffering grows worse than
// linearly with a message's size. Plain JavaScript, like worker.mjs.
//
// The caller holds the server's only connection meanwhile (database.ts,
// `exclusive`), so no statement of the server's can interleave with these in
// PGlite's single session.

/**
 * The rows a compaction pass takes, and what it folds them with: for a short
 * tail beside a large snapshot only the rows (they are merged into one row);
 * otherwise the snapshot's state too. Null when there is nothing to do.
 * Bytes travel as base64 out of PGlite: its bytea parser works byte by byte
 * in JavaScript.
 */
export async function readForCompaction(db, docName, { batch, foldRatio }) {
  // By the column, not the text alias (yjs-jobs.mjs, compactDocument, says why).
  const { rows } = await db.query(
    `select id::text as id, encode("update", 'base64') as update from doc_updates where doc_name = $1 order by doc_updates.id limit $2`,
    [docName, batch],
  );
  if (rows.length === 0) return null;
  const {
    rows: [snapshot],
  } = await db.query(`select octet_length(state) as bytes, through_update_id::text as through from doc_snapshots where doc_name = $1`, [docName]);
  const parts = rows.map((r) => fromBase64(r.update));
  const tailBytes = parts.reduce((n, p) => n + p.byteLength, 0);
  const merge = !!snapshot && parts.length > 1 && tailBytes * foldRatio < snapshot.bytes;
  let state = null;
  if (snapshot && !merge) {
    const {
      rows: [stored],
    } = await db.query(`select encode(state, 'base64') as state from doc_snapshots where doc_name = $1`, [docName]);
    state = fromBase64(stored.state);
  }
  return { ids: rows.map((r) => r.id), parts, merge, through: snapshot?.through ?? null, state };
}

/**
 * Writes a pass's result: the merged row, or the folded snapshot, and deletes
 * exactly the rows read. Nothing is written when the snapshot moved or a row
 * went since the read (another pass got there first). Returns how many rows
 * the log lost; a pass that folded anything ends with a vacuum, since PGlite
 * runs no autovacuum and every replaced snapshot would stay in its files.
 */
export async function writeCompaction(db, { docName, ids, through, merged, folded }) {
  const lost = await db.transaction(async (tx) => {
    const {
      rows: [current],
    } = await tx.query(`select through_update_id::text as through from doc_snapshots where doc_name = $1`, [docName]);
    if ((current?.through ?? null) !== through) return 0;
    const deleted = await tx.query(`delete from doc_updates where doc_name = $1 and id = any(string_to_array($2, ',')::bigint[]) returning id`, [
      docName,
      ids.join(","),
    ]);
    if (deleted.rows.length !== ids.length) {
      await tx.rollback();
      return 0;
    }
    if (merged) {
      await tx.query(`insert into doc_updates (doc_name, "update", user_id) values ($1, decode($2, 'base64'), null)`, [docName, toBase64(merged)]);
      return ids.length - 1;
    }
    const last = ids.reduce((a, b) => (BigInt(b) > a ? BigInt(b) : a), BigInt(through ?? 0)).toString();
    await tx.query(
      `insert into doc_snapshots (doc_name, state, through_update_id, state_hash)
       values ($1, decode($2, 'base64'), $3::bigint, decode($4, 'base64'))
       on conflict (doc_name) do update set state = excluded.state, through_update_id = excluded.through_update_id,
         state_hash = excluded.state_hash, updated_at = now()`,
      [docName, toBase64(folded.state), last, toBase64(folded.sha256)],
    );
    return ids.length;
  });
  if (lost > 0) await db.exec("vacuum doc_updates, doc_snapshots");
  return lost;
}

/** Bytes on an ArrayBuffer of their own (a small Buffer is a view of a shared pool), so that they can be transferred. */
const fromBase64 = (text) => {
  const buffer = Buffer.from(text, "base64");
  const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
  return new Uint8Array(whole ? buffer.buffer : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
};
const toBase64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
