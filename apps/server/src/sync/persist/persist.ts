import { type Db, LOCK_NOT_AVAILABLE } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import { type BatchUpdate, BatchWriter, watched } from "./batch-write.ts";
import type { CommitHook } from "./commit-hooks.ts";
import { type AloneRefusal, type UpdateNotStoredError, articleGone, classifyCommitError, describeError, notStored, refusedAlone, takenAnnotationId, writerRefused } from "./commit-errors.ts";
import { beforeDeadline, sleep } from "../../deadline.ts";
import { COMMIT_DEFAULTS, CommitQueue, type GroupCommitOptions, MAX_BATCH_ANNOTATIONS, type Queued, bondsOf, halvesAtBonds } from "./commit-queue.ts";
import { Unsettled } from "./unsettled.ts";
import { currentTurn } from "../connection/loop-budget.ts";
import type { DocContext } from "./projection.ts";
import type { AnnotationValue, Role } from "@marginalia/schema";

/** What a document gives the committer: its identity and its annotations' current values. */
export type PersistSource = {
  context: DocContext;
  /** The annotation's value now, people named by account, or null when it no longer exists in this document. */
  stored(id: string): AnnotationValue | null;
  /** The vote counts of the touched annotations, from one pass rather than a scan per annotation. */
  votesFor(annotationIds: ReadonlySet<string>): ReadonlyMap<string, { agree: number; disagree: number }>;
};

type Entry = BatchUpdate &
  Queued<PersistSource> & {
  resolve: () => void;
  reject: (err: Error) => void;
};

export { MAX_BATCH_ANNOTATIONS, type GroupCommitOptions };

/**
 * Group commit (docs/architecture.md, "Persistence and the commit"): updates that arrive within a few milliseconds
 * are written in one transaction, log rows and projection together, and each promise resolves only after that
 * commit. A batch takes articles in turn (commit-queue.ts), so that one article's backlog delays no other's.
 *
 * A commit that fails for want of a database (commit-errors.ts) is retried with backoff, in order; nothing is
 * acknowledged until it lands. One that fails for what it holds is split in halves, and those again, until the
 * updates the database refuses are found: each is rejected alone, with UpdateNotStoredError, and everything else
 * is written. A document one of whose updates was refused stores nothing more (its later updates may build on the
 * refused one, and would be written as log rows no load could apply): `onRefused` tells the hub, which reloads it
 * from what is stored, unless the refusal cost the update only its own new annotations (`onRefusedAlone`).
 */
export class GroupCommitter {
  /** What waits for a batch, by article (commit-queue.ts). */
  private readonly queue = new CommitQueue<PersistSource, Entry>();
  /** The batch being written, until its commit settles. */
  private inFlight: Entry[] = [];
  /** The scheduled start of the next batch, if any. */
  private timer: { cancel(): void } | null = null;
  private running: Promise<void> | null = null;
  private readonly options: GroupCommitOptions;
  private closed = false;
  private retryDelayMs = 0;
  private nextSeq = 0;
  /** Each document's updates not yet settled (`settled`). */
  private readonly unsettled = new WeakMap<PersistSource, Unsettled>();
  /** The bond of what is queued now, inside `together`. */
  private bonding: number | null = null;
  /** Documents that store nothing more, and why: their article was deleted, or one of their updates was refused (for a member id since drawn again). */
  private readonly retired = new WeakMap<PersistSource, "gone" | "reloaded" | "renamed">();
  private readonly writer: BatchWriter;
  /** Called after each attempt at writing: how many updates, how long it took, and whether they were written. */
  onAttempt: (updates: number, ms: number, ok: boolean) => void = () => {};
  /** Called after each commit with the documents it wrote, e.g. to schedule compaction. */
  onCommitted: (rowsByDoc: ReadonlyMap<string, number>) => void = () => {};
  /**
   * A document's update was refused: from then on it stores nothing, and should be reloaded. `renamed`: it was
   * written under a member id its group has since drawn again (commit-errors.ts).
   */
  onRefused: (source: PersistSource, why: "refused" | "renamed") => void = () => {};
  /** Called once a document's update was refused because its article is gone (deleted meanwhile). */
  onGone: (source: PersistSource) => void = () => {};
  /**
   * An update's projection would take an annotation id another article or author holds (drizzle/0018): true once
   * the document no longer holds it, so that the update can be written without it; false to refuse it as any other.
   */
  onTakenId: (source: PersistSource, id: string, userId: string | null) => boolean = () => false;
  /** As `onTakenId`, for an update refused alone for a value or its writer's right (`refusedAlone`): true once `ids` are gone. */
  onRefusedAlone: (source: PersistSource, ids: ReadonlySet<string>, userId: string | null, why: AloneRefusal) => Promise<boolean> = async () => false;

  constructor(
    db: Db,
    private readonly logger: Logger,
    options: Partial<GroupCommitOptions> = {},
    hooks: readonly CommitHook[] = [],
  ) {
    this.options = { ...COMMIT_DEFAULTS, ...options };
    this.writer = new BatchWriter(db, logger, hooks);
  }

  /**
   * `memberId`: the member id a member wrote under, which the commit checks is still theirs; `needs`: the least
   * role the update needs, which the commit checks its writer still holds (batch-write.ts).
   */
  enqueue(source: PersistSource, update: Uint8Array | null, userId: string | null, touched: ReadonlySet<string>, memberId: string | null = null, serverId: number | null = null, needs: Role | null = null): Promise<void> {
    if (this.closed) return Promise.reject(notStored("shutdown", source));
    const retired = this.retired.get(source);
    if (retired) return Promise.reject(notStored(retired, source));
    const durable = new Promise<void>((resolve, reject) => {
      const article = source.context.articleId;
      const seq = this.nextSeq++;
      this.queue.push({ seq, turn: currentTurn(), bond: this.bonding ?? seq, article, source, update, userId, memberId, serverId, needs, touched, resolve, reject });
      this.schedule();
    });
    if (!this.unsettled.has(source)) this.unsettled.set(source, new Unsettled());
    this.unsettled.get(source)!.add(durable);
    return durable;
  }

  /**
   * Runs `fn`; the updates it queues are written in one commit or none (a bond, commit-queue.ts): a move's
   * removal from one document and addition to the other (hiding.ts). A batch never cuts a bond, nor does the
   * search for a refused update; a bond refused is refused whole, and its documents reload from what is stored.
   */
  together<T>(fn: () => T): T {
    if (this.bonding !== null) return fn();
    this.bonding = this.nextSeq;
    try {
      return fn();
    } finally {
      this.bonding = null;
    }
  }

  /** Resolves once what `source` queued so far has settled (written or refused), whatever others queue (unlike `flush`). */
  settled(source: PersistSource): Promise<void> {
    return this.unsettled.get(source)?.settled() ?? Promise.resolve();
  }

  /**
   * Writes the rows of `ids` again from the document as it is now, in order with its updates, with no
   * log row (reprojection.ts). Refused, as its updates are, once the document stores nothing more.
   */
  reproject(source: PersistSource, ids: ReadonlySet<string>): Promise<void> {
    return this.enqueue(source, null, null, ids);
  }

  /** Updates accepted and not yet written: queued, or in the commit under way. */
  get pending(): number {
    return this.queue.size + this.inFlight.length;
  }

  /**
   * Drops what is queued for the documents `match` names, without writing it (their article is being deleted): each
   * promise rejects with reason `gone`, and those documents store nothing more. A commit under way is not stopped.
   */
  discard(match: (context: DocContext) => boolean): number {
    const dropped = new Set([...this.queue.entries()].filter((e) => match(e.source.context)).map((e) => e.source));
    let count = 0;
    for (const source of dropped) count += this.retire(source, "gone");
    return count;
  }

  /** `source` stores nothing more: what it has queued is rejected, and so is anything it sends later. */
  retire(source: PersistSource, reason: "gone" | "reloaded" | "renamed"): number {
    if (!this.retired.has(source)) this.retired.set(source, reason);
    const why = this.retired.get(source)!;
    const dropped = this.queue.drop((e) => e.source === source);
    for (const e of dropped) e.reject(notStored(why, source));
    // The rest of their bonds goes too: written alone, a move's removal would lose what it moved.
    const bonds = new Set(dropped.map((e) => e.bond));
    this.rejectBond(this.queue.drop((e) => bonds.has(e.bond)));
    return dropped.length;
  }

  /** Rejects a bond that cannot be written whole; its documents not yet retired store nothing more, and reload. */
  private rejectBond(bond: readonly Entry[]) {
    for (const e of bond) {
      if (!this.retired.has(e.source)) {
        this.retire(e.source, "reloaded");
        this.onRefused(e.source, "refused");
      }
      e.reject(notStored(this.retired.get(e.source)!, e.source));
    }
  }

  /**
   * Resolves once everything queued so far is settled (written, or refused), or at `deadline` (a Date.now() value),
   * whichever comes first: true when nothing is left. A database that is down keeps it waiting until then.
   */
  async flush(deadline = Infinity): Promise<boolean> {
    while (this.queue.size || this.running) {
      if (Date.now() >= deadline) return false;
      if (this.timer) {
        this.timer.cancel();
        this.timer = null;
      }
      if (!(await beforeDeadline(this.running ?? this.run(), deadline))) return false;
      // After a failure, wait out the backoff rather than hammering a database that is down.
      if (this.retryDelayMs && this.queue.size) await sleep(Math.min(this.retryDelayMs, deadline - Date.now()));
    }
    return true;
  }

  /**
   * Writes what it can until `deadline`, then takes no more updates. What was
   * not written by then is rejected (reason `shutdown`), logged with its
   * count per document, and returned as that count.
   */
  async close(deadline = Infinity): Promise<Map<string, number>> {
    await this.flush(deadline);
    this.closed = true;
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
    // A commit still under way may yet land, but nobody is told it did: it counts as not written.
    const queued = this.queue.takeAll();
    const left = [...this.inFlight, ...queued];
    for (const e of queued) e.reject(notStored("shutdown", e.source));
    const unwritten = new Map<string, number>();
    for (const e of left) unwritten.set(e.source.context.docName, (unwritten.get(e.source.context.docName) ?? 0) + 1);
    if (left.length) {
      this.logger.error({ updates: left.length, byDocument: Object.fromEntries(unwritten) }, "shutting down with updates not written");
    }
    return unwritten;
  }

  /**
   * The first update of a batch waits `windowMs` for company. Updates that
   * queue while a commit is running have waited already: their batch starts
   * as soon as that commit ends, at the end of the turn, with no window.
   */
  private schedule(afterCommit = false) {
    if (this.timer || this.running || this.closed) return;
    const delay =
      this.retryDelayMs || (!afterCommit && this.queue.size < this.options.maxBatch) ? this.options.windowMs + this.retryDelayMs : 0;
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
      if (this.queue.size) this.schedule(true);
    });
    return this.running;
  }

  private async commitBatch(): Promise<void> {
    const batch = this.queue.takeBatch(this.options.maxBatch, MAX_BATCH_ANNOTATIONS);
    if (batch.length === 0) return;
    this.inFlight = batch;
    try {
      await this.isolate(batch);
    } finally {
      this.inFlight = [];
    }
  }

  /**
   * Writes `batch`, splitting it on a failure that is not the database's
   * absence until each update that cannot be written is alone. Parts are
   * written in order, so that a document's updates reach the log in the order
   * it applied them.
   */
  private async isolate(batch: Entry[]) {
    const written = new Map<string, number>();
    /** Whether the database took or refused anything: then it is there, and a failure is the update's. */
    let answered = false;
    /** Documents with updates that failed alone (or as their bond) for a reason not known, and why; decided at the end. */
    const doubtful = new Map<PersistSource, unknown>();
    const unsure: Entry[] = [];
    /** What waits for a retry: updates not tried, and the later updates of a doubtful one's document. */
    const held: Entry[] = [];
    let failure: unknown = null;
    /** Updates written again without their annotations, refused alone (`refusedAlone`), and what each is rejected with. */
    const alone = new Map<Entry, UpdateNotStoredError>();
    const parts: Entry[][] = [batch];
    while (parts.length) {
      const part: Entry[] = [];
      for (const bond of bondsOf(parts.shift()!)) {
        if (bond.some((e) => this.retired.has(e.source))) this.rejectBond(bond);
        else if (bond.some((e) => doubtful.has(e.source))) held.push(...bond);
        else part.push(...bond);
      }
      if (part.length === 0) continue;
      const started = performance.now();
      try {
        await watched(this.logger, part.length, () => this.writer.write(part));
        this.onAttempt(part.length, performance.now() - started, true);
      } catch (err) {
        this.onAttempt(part.length, performance.now() - started, false);
        const kind = classifyCommitError(err);
        if (kind === "transient") {
          failure = err;
          held.push(...part, ...parts.flat());
          break;
        }
        const halves = halvesAtBonds(part);
        if (halves) parts.unshift(...halves);
        else if (kind === "permanent") {
          answered = true;
          // Written again: the projection reads the document as it is now, without the id.
          const taken = part.length === 1 ? takenAnnotationId(err) : null;
          const only = part.length === 1 ? part[0]! : null;
          if (taken !== null && this.onTakenId(part[0]!.source, taken, part[0]!.userId)) parts.unshift(part);
          // Costs its own annotations, and its writer a refusal, rather than a reload that closes every socket.
          else if (only?.update && !alone.has(only) && (await this.writtenWithout(only, err, alone))) parts.unshift(part);
          // One update, or one bond at fault as a whole: none of it is written.
          else for (const e of part) this.refuse(e, err);
        } else {
          for (const e of part) doubtful.set(e.source, err);
          unsure.push(...part);
        }
        continue;
      }
      answered = true;
      for (const e of part) {
        if (alone.has(e)) e.reject(alone.get(e)!);
        else e.resolve();
        if (e.update) written.set(e.source.context.docName, (written.get(e.source.context.docName) ?? 0) + 1);
      }
    }
    // An update that fails alone for no known reason is its own fault only if the database answered
    // others; if it answered none, it is as likely to blame, and the update is retried as in an outage.
    for (const entry of unsure) {
      if (answered) this.refuse(entry, doubtful.get(entry.source));
      else {
        held.push(entry);
        failure ??= doubtful.get(entry.source);
      }
    }
    const retry: Entry[] = [];
    for (const bond of bondsOf(held)) {
      if (bond.some((e) => this.retired.has(e.source))) this.rejectBond(bond);
      else retry.push(...bond);
    }
    if (written.size) this.onCommitted(written);
    if (retry.length === 0) {
      this.retryDelayMs = 0;
      return;
    }
    if (this.closed) {
      for (const e of [...retry, ...this.queue.takeAll()]) e.reject(notStored("shutdown", e.source));
      return;
    }
    // Keep the order: what failed goes back to the front of its lane and is tried again first.
    this.queue.requeue(retry);
    this.retryDelayMs = Math.min(this.options.retryMaxMs, Math.max(this.options.retryMinMs, this.retryDelayMs * 2));
    const details = { error: describeError(failure), updates: retry.length, retryInMs: this.retryDelayMs };
    // Another transaction held a lock past the commit's lock_timeout (db.ts): the database is there and busy.
    if (details.error.code === LOCK_NOT_AVAILABLE) this.logger.warn(details, "group commit waited too long for a lock; retrying");
    else this.logger.error(details, "group commit failed");
  }

  /** Whether an update refused alone (`refusedAlone`) is written again without its new annotations, which the hub removed. */
  private async writtenWithout(entry: Entry, err: unknown, rejected: Map<Entry, UpdateNotStoredError>): Promise<boolean> {
    const why = refusedAlone(err);
    if (!why || !(await this.onRefusedAlone(entry.source, entry.touched, entry.userId, why))) return false;
    // Not checked as its writer's again: nothing of theirs in it stands.
    if (why.writer) [entry.memberId, entry.needs] = [null, null];
    rejected.set(entry, notStored(why.reason, entry.source, err));
    return true;
  }

  /** Rejects an update the database will not take; its document stores nothing more. */
  private refuse(entry: Entry, err: unknown) {
    if (articleGone(err)) {
      // A deletion committed between the write's access check and its commit: expected, not an error.
      this.logger.info({ room: entry.source.context.docName, annotations: [...entry.touched] }, "update of a deleted article not stored");
      this.retire(entry.source, "gone");
      entry.reject(notStored("gone", entry.source, err));
      this.onGone(entry.source);
      return;
    }
    if (entry.update === null) {
      // Rows written again hold nothing new: the document's own updates were stored, and it need not reload.
      this.logger.warn({ error: describeError(err), room: entry.source.context.docName }, "rewriting rows after a concurrent change failed");
      return entry.reject(notStored("refused", entry.source, err));
    }
    const gone = this.retired.get(entry.source) === "gone";
    const byWriter = gone ? null : writerRefused(err);
    if (byWriter) {
      this.logger.info({ room: entry.source.context.docName, userId: entry.userId, annotations: [...entry.touched] }, byWriter.message);
      entry.reject(notStored(byWriter.reason, entry.source, err));
      // Renamed: what else it queued was written under the old ids too (every member of the group had them).
      this.retire(entry.source, byWriter.reason === "renamed" ? "renamed" : "reloaded");
      this.onRefused(entry.source, byWriter.reason === "renamed" ? "renamed" : "refused");
      return;
    }
    this.logger.error(
      { error: describeError(err), room: entry.source.context.docName, userId: entry.userId, annotations: [...entry.touched] },
      gone ? "update of a deleted article not stored" : "update refused by the database; dropped, and its document will be reloaded",
    );
    entry.reject(notStored(gone ? "gone" : "refused", entry.source, err));
    if (gone) return;
    this.retire(entry.source, "reloaded");
    this.onRefused(entry.source, "refused");
  }
}
