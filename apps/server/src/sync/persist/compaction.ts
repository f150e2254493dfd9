import type { Logger } from "../../logger.ts";
import { COMPACT_AFTER_ROWS, type DocStore } from "./doc-store.ts";

/** Passes of one idle fold at most: COMPACT_BATCH rows each. */
const IDLE_FOLD_PASSES = 32;

/**
 * When the hub's documents are compacted (docs/architecture.md, "Persistence
 * and the commit"): once a loaded document's log holds COMPACT_AFTER_ROWS
 * rows, and whole when it unloads.
 */
export class Compaction {
  private readonly compacting = new Set<string>();
  /** Log rows per loaded document since its last compaction, counted here rather than queried. */
  private readonly logRows = new Map<string, number>();

  constructor(
    private readonly store: DocStore,
    private readonly logger: Logger,
  ) {}

  /** A document was loaded with `rows` log rows after its snapshot. */
  loaded(name: string, rows: number) {
    this.logRows.set(name, rows);
  }

  /** The committer wrote these rows (GroupCommitter.onCommitted). */
  committed(rowsByDoc: ReadonlyMap<string, number>) {
    for (const [name, rows] of rowsByDoc) {
      const total = (this.logRows.get(name) ?? 0) + rows;
      this.logRows.set(name, total);
      if (total >= COMPACT_AFTER_ROWS) void this.compact(name);
    }
  }

  /** The document is no longer loaded: its count is dropped, and returned. */
  forget(name: string): number {
    const written = this.logRows.get(name) ?? 0;
    this.logRows.delete(name);
    return written;
  }

  async compact(name: string) {
    if (this.compacting.has(name)) return;
    this.compacting.add(name);
    try {
      const folded = await this.store.compact(name);
      this.logRows.set(name, Math.max(0, (this.logRows.get(name) ?? 0) - folded));
    } catch (err) {
      // Tried again after another COMPACT_AFTER_ROWS rows, not at every commit: a cause that lasts (no
      // thread to fold on, yjs-worker.ts) would otherwise make each commit try, and log, once more.
      if (this.logRows.has(name)) this.logRows.set(name, 0);
      this.logger.warn({ err, doc: name }, "compaction failed; the log stays as it is");
    } finally {
      this.compacting.delete(name);
    }
  }

  /**
   * Folds an unloaded document until its log is empty, so that its next load
   * is one verified snapshot. Every pass takes rows away (a pass that finds
   * another compactor at work ends it), so the cap is only a guard: 100,000
   * rows take six passes, a short tail two (merged, then folded).
   */
  async foldIdle(name: string) {
    try {
      for (let pass = 0; pass < IDLE_FOLD_PASSES && (await this.store.compact(name, { whole: true })) > 0; pass++);
    } catch (err) {
      this.logger.warn({ err, doc: name }, "folding an unloaded document failed; the log stays as it is");
    }
  }
}
