// How the embedded database's WebAssembly is compiled and its session set up,
// for its memory's sake (see docs/architecture.md, "The embedded database is Postgres over a socket").
// Plain JavaScript, like the thread that uses it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import v8 from "node:v8";

/**
 * The shared buffer pool the embedded Postgres gets. PGlite 0.3 starts
 * Postgres with `shared_buffers=128MB` among arguments compiled into its
 * module, where neither `postgresql.conf` nor `ALTER SYSTEM` can override
 * them, and Postgres touches the whole pool as it starts: 128 MB resident
 * before the first query, for a database whose working set is a few
 * megabytes. A commit's cost did not change with a smaller pool in our
 * measurements; the kernel's page cache still holds what it evicts.
 */
export const SHARED_BUFFERS = "32MB";

/**
 * Settings of the embedded database's one session that bound what a single
 * maintenance statement allocates. WebAssembly memory only grows, by a fifth
 * of itself at a time, so PGlite's resident size is the most it ever held at
 * once, for the life of the process. In the bench, after fan-out and the
 * ramp, it had grown from 68 to 98 MB in two steps: in a compaction write,
 * which ends with a vacuum, and in a vacuum and ANALYZE of the annotations.
 * A vacuum sets aside a list of dead rows sized by the table (up to
 * maintenance_work_mem) and ANALYZE holds 300 whole rows per point of
 * statistics target; with these settings one step of the two remained
 * (bench/results/journal.md). A vacuum of more than 700,000 dead rows now makes
 * a second pass over the indexes, and tables larger than 6,000 rows get
 * coarser statistics. (temp_buffers is left alone: at 1 MB, writing a 9 MB
 * snapshot through compaction's temporary table took a quarter longer, for
 * no less memory.)
 */
export const SESSION_SETTINGS = {
  maintenance_work_mem: "4MB",
  default_statistics_target: "20",
};

/** Applies SESSION_SETTINGS to the session the server's connection shares. */
export async function limitSessionMemory(db) {
  await db.exec(
    Object.entries(SESSION_SETTINGS)
      .map(([name, value]) => `set ${name} = '${value}';`)
      .join(" "),
  );
}

const STOCK_ARGUMENT = "shared_buffers=128MB\0";

/**
 * PGlite's module, compiled with our pool size written over the stock start
 * argument. The new C string is no longer than the old and NUL-padded, so
 * nothing else in the module moves. A build of PGlite without that exact
 * argument, once, gets its stock module, and `note` says why.
 */
export async function compilePglite() {
  limitWasmTiers();
  const dist = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  const bytes = readFileSync(path.join(dist, "pglite.wasm"));
  const stock = Buffer.from(STOCK_ARGUMENT);
  const at = bytes.indexOf(stock);
  if (at < 0 || bytes.indexOf(stock, at + 1) >= 0) {
    return { wasmModule: undefined, note: `PGlite's module has no single "${STOCK_ARGUMENT.slice(0, -1)}" start argument; kept its own shared_buffers` };
  }
  const ours = Buffer.from(`shared_buffers=${SHARED_BUFFERS}\0`);
  Buffer.concat([ours, Buffer.alloc(stock.length - ours.length)]).copy(bytes, at);
  return { wasmModule: await WebAssembly.compile(bytes), note: undefined };
}

/**
 * V8 compiles WebAssembly twice by default, baseline code (Liftoff) at once
 * and optimized code (TurboFan) for hot functions later, and keeps both: for
 * PGlite's 9 MB module that was 80–100 MB of resident memory. Its baseline
 * code alone ran our commits at the same CPU cost per transaction, so the
 * optimizing tier is turned off. The flag is the process's: Marginalia runs
 * no other WebAssembly on a hot path.
 */
function limitWasmTiers() {
  v8.setFlagsFromString("--liftoff-only");
}
