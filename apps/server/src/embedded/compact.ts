import type { CompactOptions } from "../sync/persist/yjs-jobs.mjs";
import type { Packed } from "../threads/packed-parts.mjs";
import { compactionWorker } from "../sync/persist/yjs-worker.ts";

/** What the database thread read for one pass (compaction.mjs, `readForCompaction`). */
type Read = { ids: string[]; rows: Packed; merge: boolean; through: string | null; state: Uint8Array | null };

/** A job on the database thread, by name (worker.mjs), with the byte arrays to hand over rather than copy. */
export type DatabaseJob = <T>(job: string, message: object, transfer?: ArrayBuffer[]) => Promise<T>;

/** Runs `use` while the server's one connection is held, so that no statement of the server's reaches PGlite meanwhile. */
export type Exclusive = <T>(use: () => Promise<T>) => Promise<T>;

/**
 * One compaction pass on the embedded database (docs/architecture.md,
 * "Persistence and the commit"): the database thread reads, the compaction
 * worker folds, the database thread writes. This thread only passes the
 * bytes along, transferred. The connection is held for the read and for the
 * write, not for the fold, so that commits go on while the document folds;
 * the write checks that nothing moved meanwhile.
 */
export async function compactEmbedded(run: DatabaseJob, exclusive: Exclusive, docName: string, options: CompactOptions): Promise<number> {
  const read = await exclusive(() => run<Read | null>("compact-read", { docName, options }));
  if (!read) return 0;
  const write = { docName, ids: read.ids, through: read.through };
  if (read.merge) {
    const merged = await compactionWorker.merge(read.rows, { handOver: true });
    return exclusive(() => run<number>("compact-write", { write: { ...write, merged } }, [merged.buffer as ArrayBuffer]));
  }
  const folded = await compactionWorker.fold(read.state, read.rows, { handOver: true });
  return exclusive(() => run<number>("compact-write", { write: { ...write, folded } }, [folded.state.buffer as ArrayBuffer]));
}
