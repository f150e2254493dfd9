import { docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import type { Logger } from "../logger.ts";
import { notifyFor } from "./notify.ts";
import { type DocContext, projectAnnotation, writeProjection } from "./projection.ts";
import type { AnnotationValue } from "@marginalia/schema";

/** What a document gives the committer: its identity and its annotations' current values. */
export type PersistSource = {
  context: DocContext;
  /** The annotation's value now, or null when it no longer exists in this document. */
  annotation(id: string): AnnotationValue | null;
  votes(annotationId: string): { agree: number; disagree: number };
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
  private timer: NodeJS.Timeout | null = null;
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
        clearTimeout(this.timer);
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

  private schedule() {
    if (this.timer || this.running) return;
    const delay = this.queue.length >= this.options.maxBatch ? 0 : this.options.windowMs + this.retryDelayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delay);
  }

  private run(): Promise<void> {
    this.running = this.commitBatch().finally(() => {
      this.running = null;
      if (this.queue.length) this.schedule();
    });
    return this.running;
  }

  private async commitBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    try {
      await this.db.transaction(async (tx) => {
        await tx.insert(docUpdates).values(
          batch.map((e) => ({ docName: e.source.context.docName, update: e.update, userId: e.userId })),
        );
        for (const [source, ids] of touchedBySource(batch)) {
          const upserts = [];
          const removed = [];
          for (const id of ids) {
            const value = source.annotation(id);
            if (value) upserts.push(projectAnnotation(value, source.votes(id), source.context));
            else removed.push(id);
          }
          await writeProjection(tx, source.context, upserts, removed);
          await notifyFor(tx, source.context, upserts);
        }
      });
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

function touchedBySource(batch: Entry[]): Map<PersistSource, Set<string>> {
  const bySource = new Map<PersistSource, Set<string>>();
  for (const entry of batch) {
    const ids = bySource.get(entry.source) ?? new Set<string>();
    for (const id of entry.touched) ids.add(id);
    bySource.set(entry.source, ids);
  }
  return bySource;
}
