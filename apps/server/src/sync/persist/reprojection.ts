import type { Db } from "../../db.ts";
import { inArticleTurn } from "../../services/decision-turns.ts";
import type { DocumentRelay } from "../broadcast/document-relay.ts";
import type { LiveDocument } from "../document/document.ts";
import type { GroupCommitter, PersistSource } from "./persist.ts";

/**
 * How long after a change here an annotation's row is written again when another process changes it
 * too: well past the relay's delay, and past a short outage's resync. Counted from the change and again
 * from its commit: an outage holds every process's commits, and the other process's edit, committed
 * there when the database returns, arrives right after this one's, however long the outage lasted.
 */
export const REPROJECT_WINDOW_MS = 60_000;
/** Annotations kept per document past which old marks are swept. */
const SWEEP_AT = 1_000;

/**
 * Projection rows written again after two processes changed one annotation at once (docs/architecture.md,
 * "More than one process").
 *
 * Each process writes the rows of what it commits from its own copy of the document. Two edits of one
 * annotation committed at the same moment on two processes are both in every copy once relayed, but
 * each row was written from a copy that had only one of them, and the later write won: REST and the
 * exports showed half the merge, for good. So a process that receives a change to an annotation it
 * changed itself lately writes that row again from its merged copy, through its committer, in order
 * with its own commits. Both processes do, and a row is settled by the last write from a copy that
 * has everything.
 *
 * A row written again is written in the article's decision turn, from the copy caught up with what is
 * stored (`turns`): written from the copy as it was, it could land after a decision another process had
 * just answered, which the relay had not brought here yet, and a rejected submission read "pending" again
 * until the rejection arrived.
 */
export class Reprojection {
  private readonly changedHere = new WeakMap<PersistSource, Map<string, number>>();
  /** Rows waiting for their article's turn, by copy: what is relayed meanwhile joins them rather than take a turn of its own. */
  private readonly waiting = new WeakMap<LiveDocument, Set<string>>();

  constructor(
    private readonly committer: Pick<GroupCommitter, "reproject">,
    private readonly turns: RewriteTurns | null = null,
    private readonly windowMs = REPROJECT_WINDOW_MS,
  ) {}

  /** Annotations a change made here touched, and the promise of its commit. */
  local(source: PersistSource, touched: ReadonlySet<string>, durable: Promise<void>) {
    if (touched.size === 0) return;
    this.mark(source, touched);
    // Marked at the change, so that an edit relayed before this one is stored counts; and at the commit.
    durable.then(
      () => this.mark(source, touched),
      () => {},
    );
  }

  private mark(source: PersistSource, touched: ReadonlySet<string>) {
    let marks = this.changedHere.get(source);
    if (!marks) this.changedHere.set(source, (marks = new Map()));
    const now = Date.now();
    for (const id of touched) {
      marks.delete(id);
      marks.set(id, now);
    }
    if (marks.size <= SWEEP_AT) return;
    // Oldest first (each mark is deleted and set again): the sweep stops at the first one still in the window,
    // so that a busy document's thousands of recent marks are not walked at every change.
    for (const [id, at] of marks) {
      if (now - at <= this.windowMs) break;
      marks.delete(id);
    }
  }

  /** Annotations a change another process made touched, applied here. */
  remote(source: LiveDocument, touched: ReadonlySet<string>) {
    const marks = this.changedHere.get(source);
    if (!marks) return;
    const now = Date.now();
    const again = new Set<string>();
    for (const id of touched) {
      const at = marks.get(id);
      if (at === undefined) continue;
      if (now - at > this.windowMs) marks.delete(id);
      else again.add(id);
    }
    if (again.size) this.rewrite(source, again);
  }

  private rewrite(live: LiveDocument, ids: ReadonlySet<string>) {
    const waiting = this.waiting.get(live);
    if (waiting) {
      for (const id of ids) waiting.add(id);
      return;
    }
    const all = new Set(ids);
    // Refused only when the document stores nothing more (it is being reloaded or was deleted): nothing to fix then.
    const write = () => this.committer.reproject(live, all).catch(() => {});
    if (!this.turns) return void write();
    this.waiting.set(live, all);
    const { turn, catchUp } = this.turns;
    turn(live.context.articleId, async () => {
      this.waiting.delete(live);
      await catchUp(live);
      await write();
    }).catch(() => {
      // No turn had (the database gone past the lock's deadline): written from the copy as it is, rather than not at all.
      if (this.waiting.get(live) === all) this.waiting.delete(live);
      void write();
    });
  }
}

/** What writing a row again needs beside the committer, when other processes write the same documents. */
export type RewriteTurns = {
  /** Runs `fn` in the article's decision turn (services/decision-turns.ts): no decision commits meanwhile, on any process. */
  turn(articleId: string, fn: () => Promise<void>): Promise<void>;
  /** Resolves once the copy holds everything stored for it. */
  catchUp(live: LiveDocument): Promise<void>;
};

export const rewriteTurns = (db: Db, relay: Pick<DocumentRelay, "catchUp">): RewriteTurns => ({
  turn: (articleId, fn) => inArticleTurn(db, articleId, fn),
  catchUp: async (live) => {
    await relay.catchUp(live);
    await live.whenFree();
  },
});
