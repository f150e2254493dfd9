// The embedded database's vacuuming, run on its thread straight on PGlite
// while the server holds its one connection (vacuum.ts says when). PGlite has
// no autovacuum, and its statistics views stay at zero, so the server cannot
// ask which tables have dead rows: it watches their sizes instead. Plain
// JavaScript, like worker.mjs.

/** Every table of the application's schema, with its size on disk in bytes (heap, indexes and TOAST together). */
export async function tableSizes(db) {
  const { rows } = await db.query(
    `select c.relname as name, pg_total_relation_size(c.oid)::float8 as bytes
       from pg_class c where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
}

/**
 * Vacuums and analyzes one table, and returns its size afterwards. VACUUM
 * gives dead rows' space back to the table for reuse (the files keep their
 * size), and ANALYZE gives the planner statistics it otherwise never gets here.
 */
export async function vacuumTable(db, { table }) {
  const name = `"${table.replaceAll('"', '""')}"`;
  await db.exec(`vacuum (analyze) ${name}`);
  const {
    rows: [after],
  } = await db.query(`select pg_total_relation_size($1::regclass)::float8 as bytes`, [name]);
  return after.bytes;
}
