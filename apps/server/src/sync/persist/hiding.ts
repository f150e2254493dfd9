import * as Y from "yjs";
import {
  type AnnotationValue,
  type VoteValue,
  annotationsOf,
  groupRoom,
  hiddenRoom,
  parseRoom,
  parseVoteKey,
  readAnnotation,
  votesOf,
  withheldOf,
  writeAnnotation,
} from "@marginalia/schema";
import type { Logger } from "../../logger.ts";
import { KeyedTurns } from "../../keyed-turns.ts";
import { UpdateNotStoredError } from "./commit-errors.ts";
import type { LiveDocument } from "../document/document.ts";
import type { DocContext } from "./projection.ts";
import { ShuttingDown } from "../shutdown.ts";

/**
 * How long a change another process made waits before this one moves what it left on the wrong side:
 * long enough for that process's own move, which follows its commit within milliseconds, to arrive.
 */
export const REMOTE_MOVE_DELAY_MS = 1_000;

/** What the mover needs of the hub: documents held while it works on them, and changes written in one commit. */
export type DocumentLease = {
  acquire(context: DocContext): Promise<LiveDocument>;
  release(live: LiveDocument): void;
  /** Runs `fn`; the changes it makes are written in one commit or none (`GroupCommitter.together`). */
  together<T>(fn: () => T): T;
};

/**
 * Keeps hidden work out of the members' document (docs/architecture.md, "Documents follow audiences").
 * Whoever sets an annotation's status to hidden (a moderator's socket, the
 * REST hide, a review), the server then moves it, with its replies and votes,
 * from the group's document into the article's hidden document, which only
 * moderators join; set back to anything else there, it moves back. Members'
 * sockets therefore never carry hidden content, and an unhide restores the
 * thread whole, under the same ids.
 *
 * Both halves of a move are queued as one bond (persist.ts, `together`), so
 * they share one group commit whatever the thread's size: the log rows of
 * both documents and the projection (the row leaves the group document and
 * joins the hidden one) land together or not at all.
 * Moves of one article run one after another.
 */
export class Hiding {
  /** Moves, by article: one after another. */
  private readonly moves = new KeyedTurns();
  /** Moves queued and not yet settled, for a shutdown to wait out. */
  private readonly pending = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly documents: DocumentLease,
    private readonly logger: Logger,
  ) {}

  /** Called with every change persisted here; moves what it left on the wrong side once it is durable. */
  after(context: DocContext, touched: ReadonlySet<string>, durable: Promise<void>) {
    const side = sideOf(context);
    if (!side || touched.size === 0 || this.stopped) return;
    const move = this.moves
      .run(context.articleId, () => durable.then(() => (this.stopped ? undefined : this.settle(context, side, touched))))
      .catch((err) => {
        // A change that was never stored has nothing to move; its sender has been told (commit-errors.ts).
        // A move that a shutdown cut short is finished when the document is next built (`reconcile`).
        if (err instanceof UpdateNotStoredError || err instanceof ShuttingDown || this.stopped) return;
        this.logger.error({ err, doc: context.docName }, "could not move hidden annotations between documents");
      });
    this.pending.add(move);
    void move.then(() => this.pending.delete(move));
  }

  /**
   * The server shuts down: no move starts from now on, since each may load
   * a document from a database about to close. Resolves once the moves under
   * way have settled, so that their writes reach the committer before it
   * closes. What is left on the wrong side is moved at the next build.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.pending]);
  }

  /**
   * Called with every change another process made, applied here. That process moves what its change
   * left on the wrong side, as far as it can see: a reply it stored to a thread that this process had
   * just hidden, before that reached it, is on the wrong side for good unless the process that hid it
   * moves it. So what is left on the wrong side here is moved, once the other process has had time to
   * move it itself (a second move would only write the same thing again).
   */
  received(context: DocContext, doc: Y.Doc, touched: ReadonlySet<string>) {
    const side = sideOf(context);
    if (!side || touched.size === 0) return;
    if ((side === "group" ? leavingGroup(doc, touched) : leavingHidden(doc, touched)).length === 0) return;
    setTimeout(() => this.after(context, touched, Promise.resolve()), REMOTE_MOVE_DELAY_MS).unref();
  }

  /**
   * A document as stored may hold what belongs in the other one: a move that a crash, a shutdown or a
   * refused write left half done, or a status change stored while the move was still to come. Each
   * document is checked whole when it is built, so that such a leftover is moved then.
   */
  reconcile(context: DocContext, doc: Y.Doc) {
    if (sideOf(context)) this.after(context, new Set(annotationsOf(doc).keys()), Promise.resolve());
  }

  /** Resolves once every move queued so far for the article is done. */
  settled(articleId: string): Promise<void> {
    return this.moves.settled(articleId);
  }

  private async settle(context: DocContext, side: "group" | "hidden", touched: ReadonlySet<string>) {
    const articleId = context.articleId;
    const other = { ...context, docName: side === "group" ? hiddenRoom(articleId) : groupRoom(articleId) };
    const leaving = (doc: Y.Doc) => (side === "group" ? leavingGroup(doc, touched) : leavingHidden(doc, touched));
    const from = await this.documents.acquire(context);
    let to: LiveDocument | null = null;
    try {
      // Nearly every change stays where it is: the other document is loaded only when something moves.
      if (leaving(from.doc).length === 0) return;
      const dest = await this.documents.acquire(other);
      to = dest;
      // Read again: the document may have changed while the other one loaded.
      const ids = leaving(from.doc);
      if (ids.length === 0) return;
      const values = ids.map((id) => readAnnotation(annotationsOf(from.doc).get(id)!));
      const votes = [...votesOf(from.doc).entries()].filter(([key]) => ids.includes(parseVoteKey(key)?.annotationId ?? ""));
      // One bond, so that they share a commit, which writes every removal before any upsert (batch-write.ts).
      await this.documents.together(() =>
        Promise.all([
          from.change({ userId: null }, (doc) => {
            for (const id of ids) annotationsOf(doc).delete(id);
            for (const [key] of votes) votesOf(doc).delete(key);
            if (side === "group") for (const id of ids) withheldOf(doc).set(id, true);
          }),
          dest.change({ userId: null }, (doc) => writeMoved(doc, values, votes, side === "hidden")),
        ]),
      );
      this.logger.info({ articleId, moved: ids.length, to: side === "group" ? "hidden" : "group" }, "hidden annotations moved");
    } finally {
      this.documents.release(from);
      if (to) this.documents.release(to);
    }
  }
}

function writeMoved(doc: Y.Doc, values: AnnotationValue[], votes: Array<[string, VoteValue]>, backToGroup: boolean) {
  for (const value of values) writeAnnotation(doc, value);
  for (const [key, vote] of votes) votesOf(doc).set(key, vote);
  if (backToGroup) for (const value of values) withheldOf(doc).delete(value.id);
}

function sideOf(context: DocContext): "group" | "hidden" | null {
  // Every persisted change passes here: private documents, most of them, leave at once.
  if (context.visibility === "private") return null;
  const kind = parseRoom(context.docName)?.kind;
  return kind === "group" || kind === "hidden" ? kind : null;
}

/** Touched annotations of the group's document that belong in the hidden one: hidden ones with their replies, and replies to what was hidden. */
function leavingGroup(doc: Y.Doc, touched: ReadonlySet<string>): string[] {
  const annotations = annotationsOf(doc);
  const withheld = withheldOf(doc);
  const roots = new Set<string>();
  for (const id of touched) {
    const map = annotations.get(id);
    if (!map) continue;
    const parentId = map.get("parentId");
    if (map.get("status") === "hidden" || (typeof parentId === "string" && withheld.has(parentId))) roots.add(id);
  }
  return withReplies(doc, roots, () => true);
}

/** Touched annotations of the hidden document that are hidden no longer, with their replies, unless their own parent stays hidden. */
function leavingHidden(doc: Y.Doc, touched: ReadonlySet<string>): string[] {
  const annotations = annotationsOf(doc);
  const roots = new Set<string>();
  for (const id of touched) {
    const map = annotations.get(id);
    if (!map || map.get("status") === "hidden") continue;
    const parentId = map.get("parentId");
    if (typeof parentId === "string" && annotations.has(parentId)) continue;
    roots.add(id);
  }
  return withReplies(doc, roots, (reply) => reply.get("status") !== "hidden");
}

/**
 * `roots` and their replies at any depth. Threads are one level deep now (the policy's `refuseReply`),
 * but documents written before that rule may hold replies to replies, which must go with their thread.
 */
function withReplies(doc: Y.Doc, roots: ReadonlySet<string>, include: (reply: Y.Map<unknown>) => boolean): string[] {
  if (roots.size === 0) return [];
  const ids = new Set(roots);
  for (let added = true; added; ) {
    added = false;
    for (const [id, map] of annotationsOf(doc).entries()) {
      const parentId = map.get("parentId");
      if (!ids.has(id) && typeof parentId === "string" && ids.has(parentId) && include(map)) {
        ids.add(id);
        added = true;
      }
    }
  }
  return [...ids];
}
