import { type SQL, sql } from "drizzle-orm";
import type { Db, Tx } from "../db.ts";
import type { Logger } from "../logger.ts";
import { notifyAssignees } from "./notify-assignments.ts";
import { mayNotify, notifyFor } from "./notify.ts";
import { type DocContext, type ProjectionRow, projectAnnotation, projectionCtes, writeProjection } from "./projection.ts";
import type { AnnotationValue } from "@marginalia/schema";

/** What a document gives the committer: its identity and its annotations' current values. */
export type PersistSource = {
  context: DocContext;
  /** The annotation's value now, or null when it no longer exists in this document. */
  annotation(id: string): AnnotationValue | null;
  /** The vote counts of the touched annotations, from one pass rather than a scan per annotation. */
  votesFor(annotationIds: ReadonlySet<string>): ReadonlyMap<string, { agree: number; disagree: number }>;
};

type Entry = {
  source: PersistSource;
  update: Uint8Array;
  userId: string | null;
  touched: ReadonlySet<string>;
  resolve: () => void;
  reject: (err: Error) => void;
};

export type GroupCommitOptions = {
  /** How long the first update of a batch waits for company. */
  windowMs: number;
  maxBatch: number;
};

const DEFAULTS: GroupCommitOptions = { windowMs: 4, maxBatch: 500 };

/**
 * Group commit (architecture §4): updates that arrive within a few
 * milliseconds are written in one transaction, log rows and projection
 * together, and each promise resolves only after that commit. A failed
 * commit is retried with backoff; nothing is acknowledged until it lands.
 */
export class GroupCommitter {
  private queue: Entry[] = [];
  /** The scheduled start of the next batch, if any. */
  private timer: { cancel(): void } | null = null;
  private running: Promise<void> | null = null;
  private readonly options: GroupCommitOptions;
  private closed = false;
  private retryDelayMs = 0;
  /** Called after each commit with the documents it wrote, e.g. to schedule compaction. */
  onCommitted: (rowsByDoc: ReadonlyMap<string, number>) => void = () => {};

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  enqueue(source: PersistSource, update: Uint8Array, userId: string | null, touched: ReadonlySet<string>): Promise<void> {
    if (this.closed) return Promise.reject(new Error("persistence is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ source, update, userId, touched, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far is committed. */
  async flush(): Promise<void> {
    while (this.queue.length || this.running) {
      if (this.timer) {
        this.timer.cancel();
        this.timer = null;
      }
      await (this.running ?? this.run());
      // After a failure, wait out the backoff rather than hammering a database that is down.
      if (this.retryDelayMs) await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /**
   * The first update of a batch waits `windowMs` for company. Updates that
   * queue while a commit is running have waited already: their batch starts
   * as soon as that commit ends, at the end of the turn, with no window.
   */
  private schedule(afterCommit = false) {
    if (this.timer || this.running) return;
    const delay =
      this.retryDelayMs || (!afterCommit && this.queue.length < this.options.maxBatch) ? this.options.windowMs + this.retryDelayMs : 0;
    const fire = () => {
      this.timer = null;
      void this.run();
    };
    if (delay > 0) {
      const handle = setTimeout(fire, delay);
      this.timer = { cancel: () => clearTimeout(handle) };
    } else {
      const handle = setImmediate(fire);
      this.timer = { cancel: () => clearImmediate(handle) };
    }
  }

  private run(): Promise<void> {
    this.running = this.commitBatch().finally(() => {
      this.running = null;
      if (this.queue.length) this.schedule(true);
    });
    return this.running;
  }

  private async commitBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    try {
      const projections = [...touchedBySource(batch)].map(([source, ids]) => {
        const upserts: ProjectionRow[] = [];
        const removed: string[] = [];
        const counts = source.votesFor(ids);
        for (const id of ids) {
          const value = source.annotation(id);
          if (value) upserts.push(projectAnnotation(value, counts.get(id) ?? NO_VOTES, source.context));
          else removed.push(id);
        }
        return { context: source.context, upserts, removed, writers: writersOf(batch, source) };
      });
      const upserts = projections.flatMap((p) => p.upserts);
      if (
        projections.every((p) => p.removed.length === 0 && !mayNotify(p.context, p.upserts)) &&
        new Set(upserts.map((row) => row.id)).size === upserts.length
      ) {
        // The common case, creations and edits: log and projection in one
        // statement, which is atomic on its own and costs one round trip.
        // (An id in two documents of one batch goes the long way: one upsert per document, in order.)
        await this.db.execute(
          upserts.length
            ? sql`with ${logCte(batch)}, ${projectionCtes(upserts)} select 1`
            : sql`with ${logCte(batch)} select 1`,
        );
      } else {
        await this.db.transaction(async (tx: Tx) => {
          await tx.execute(sql`with ${logCte(batch)} select 1`);
          for (const p of projections) {
            await notifyAssignees(tx, p.context, p.upserts, p.writers);
            await writeProjection(tx, p.context, p.upserts, p.removed);
            await notifyFor(tx, p.context, p.upserts);
          }
        });
      }
    } catch (err) {
      // Keep the order: the failed batch goes back to the front and is tried again.
      this.queue.unshift(...batch);
      this.retryDelayMs = Math.min(5_000, Math.max(50, this.retryDelayMs * 2));
      this.logger.error({ err, updates: batch.length, retryInMs: this.retryDelayMs }, "group commit failed");
      if (this.closed) for (const e of this.queue.splice(0)) e.reject(err as Error);
      return;
    }
    this.retryDelayMs = 0;
    for (const entry of batch) entry.resolve();
    const rowsByDoc = new Map<string, number>();
    for (const e of batch) rowsByDoc.set(e.source.context.docName, (rowsByDoc.get(e.source.context.docName) ?? 0) + 1);
    this.onCommitted(rowsByDoc);
  }
}

/**
 * The batch's log rows, in order (ids follow it), as one JSON parameter:
 * building a multi-row insert with the query builder costs more CPU than the
 * database spends on it.
 */
function logCte(batch: Entry[]): SQL {
  const rows = JSON.stringify(
    batch.map((e) => [e.source.context.docName, Buffer.from(e.update.buffer, e.update.byteOffset, e.update.byteLength).toString("base64"), e.userId]),
  );
  return sql`log_inserted as (
    insert into doc_updates (doc_name, "update", user_id)
    select r->>0, decode(r->>1, 'base64'), (r->>2)::uuid
    from jsonb_array_elements(${rows}::jsonb) with ordinality as input(r, n)
    order by n
  )`;
}

const NO_VOTES = { agree: 0, disagree: 0 };

/** Who last changed each annotation of `source` in this batch. */
function writersOf(batch: Entry[], source: PersistSource): Map<string, string | null> {
  const writers = new Map<string, string | null>();
  for (const entry of batch) if (entry.source === source) for (const id of entry.touched) writers.set(id, entry.userId);
  return writers;
}

function touchedBySource(batch: Entry[]): Map<PersistSource, Set<string>> {
  const bySource = new Map<PersistSource, Set<string>>();
  for (const entry of batch) {
    const ids = bySource.get(entry.source) ?? new Set<string>();
    for (const id of entry.touched) ids.add(id);
    bySource.set(entry.source, ids);
  }
  return bySource;
}
