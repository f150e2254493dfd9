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
// PGlite's single session. The pass is the one yjs-jobs.mjs's compactDocument
// makes on Postgres, with its rules shared from there.
import { binaryCopyOf, firstRow, quoteLiteral, toBase64 } from "../sync/persist/binary-copy.mjs";
import { planRows, throughAfter } from "../sync/persist/yjs-jobs.mjs";
import { pack } from "../threads/packed-parts.mjs";

/**
 * The rows a compaction pass takes (packed: threads/packed-parts.mjs), and what it folds them with: for a short
 * tail beside a large snapshot only the newest rows (they are merged into one
 * row: yjs-jobs.mjs, `planPass`); otherwise the snapshot's state too. Null
 * when there is nothing to do.
 * Bytes never travel as text out of PGlite (its bytea parser works byte by
 * byte in JavaScript, and a 24 MB string parameter or result costs its thread
 * about a second): log rows as base64, the snapshot by binary COPY.
 */
export async function readForCompaction(db, docName, options) {
  // By the column, not the text alias (yjs-jobs.mjs, compactDocument, says why).
  const { rows: tail } = await db.query(
    `select id::text as id, octet_length("update") as bytes from doc_updates where doc_name = $1 order by doc_updates.id limit $2`,
    [docName, options.batch],
  );
  if (tail.length === 0) return null;
  const {
    rows: [snapshot],
  } = await db.query(`select octet_length(state) as bytes, through_update_id::text as through from doc_snapshots where doc_name = $1`, [docName]);
  const { merge, ids } = planRows(snapshot, tail, options);
  const { rows } = await db.query(
    `select encode("update", 'base64') as update from doc_updates
     where doc_name = $1 and id = any(string_to_array($2, ',')::bigint[]) order by doc_updates.id`,
    [docName, ids.join(",")],
  );
  // Views of Node's pool are fine here: `pack` copies each into the one buffer that travels.
  const parts = rows.map((r) => Buffer.from(r.update, "base64"));
  let state = null;
  if (snapshot && !merge) {
    // COPY takes no parameters: the name goes in as a quoted literal.
    const { blob } = await db.query(`copy (select state from doc_snapshots where doc_name = ${quoteLiteral(docName)}) to '/dev/blob' with (format binary)`);
    state = firstRow(new Uint8Array(await blob.arrayBuffer()))?.[0] ?? null;
    // Folding without the snapshot would write the tail alone over it.
    if (!state) return null;
  }
  // Packed into one buffer: a pass is up to thousands of rows, and the server's thread, which hands them to
  // the fold, spent 37 ms receiving 20,000 arrays one by one and 106 ms posting them on.
  return { ids, rows: pack(parts), merge, through: snapshot?.through ?? null, state };
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
    const last = throughAfter(ids, through);
    // Uncompressed here too, as doc_snapshots keeps a state (migration 0016): a value compressed in this
    // table would be copied into that one compressed.
    await tx.exec(
      "create temp table if not exists compaction_in (state bytea) on commit delete rows; alter table compaction_in alter column state set storage external",
    );
    await tx.query("copy compaction_in (state) from '/dev/blob' with (format binary)", [], { blob: new Blob([binaryCopyOf(folded.state)]) });
    await tx.query(
      `insert into doc_snapshots (doc_name, state, through_update_id, state_hash, state_vector)
       select $1, state, $2::bigint, decode($3, 'base64'), decode($4, 'base64') from compaction_in
       on conflict (doc_name) do update set state = excluded.state, through_update_id = excluded.through_update_id,
         state_hash = excluded.state_hash, state_vector = excluded.state_vector, updated_at = now()`,
      [docName, last, toBase64(folded.sha256), toBase64(folded.stateVector)],
    );
    return ids.length;
  });
  if (lost > 0) await db.exec("vacuum doc_updates, doc_snapshots");
  return lost;
}
