import * as Y from "yjs";
import type { Actor } from "@marginalia/schema";
import type { Logger } from "../../logger.ts";
import { authorizeUpdate } from "../authorize/authorize.ts";
import { NOT_V1, readsAsV1 } from "../validate/decoded-update.ts";
import type { LiveDocument } from "../document/document.ts";
import { type Judged, inLane, judgedTaken, oneOfFew, takenInTurns } from "./large-update.ts";
import { type Piece, splitStep2 } from "./resync.ts";
import { isLargeUpdate } from "./update-pieces.ts";

/** What judging a sync step 2 needs of the connection that received it. */
export type Step2Sender = {
  live: LiveDocument;
  actor: Actor;
  /** The client ids the sender's presence named. */
  presence: ReadonlySet<number>;
  logger: Logger;
  /**
   * Applies an update as the sender's, claiming only presence-named client ids, judged again unless
   * `judged` still holds; null once closed for it.
   */
  apply(update: Uint8Array, judged: Judged): Promise<void> | null;
  /** Closes the connection for an update it may not make. */
  refuse(reason: string): void;
};

/**
 * A sync step 2 that the sender may not apply whole is judged in pieces
 * (resync.ts): after a crash it can carry other people's uncommitted
 * changes, which the sender is not allowed to make but did not make either.
 * Those pieces are left out; the sender's own are applied. A refused piece
 * under one of the sender's own client ids (named by its presence, or
 * claimed by it before) is the sender's doing, and gets it refused as before.
 */
export function applyStep2(sender: Step2Sender, update: Uint8Array): Promise<void> | null {
  const { live, actor } = sender;
  // Refused whole: split into pieces, it would be no pieces, and acknowledged as applied.
  if (!readsAsV1(update)) {
    sender.refuse(NOT_V1);
    return null;
  }
  if (!takenInTurns(live, update)) return applyJudged(sender, update, judgedNow(live, update, actor));
  // A large one is judged whole in turns too (large-update.ts), in the document's lane.
  const judged = inLane(live, update, () => judgedTaken(live, update, () => actor, () => {}));
  return judged.then((whole) => applyJudged(sender, update, whole) ?? Promise.reject(new Error("the sync step 2 was refused")));
}

/** A verdict given in this turn, with what it was given against. */
function judgedNow(live: LiveDocument, update: Uint8Array, actor: Actor): Judged {
  return { verdict: authorizeUpdate(live.doc, update, actor), changes: live.changeCount, actor };
}

function applyJudged(sender: Step2Sender, update: Uint8Array, whole: Judged): Promise<void> | null {
  const { live, actor } = sender;
  // Content the database refused (refused-structs.ts) may come back with a peer that was sent it before the commit.
  const foreign = live.clientIds.takenIn(live.doc, update, actor.userId) !== null || live.refusedBefore(update) !== null;
  const pieces = (!whole.verdict.ok && !whole.verdict.missing) || foreign ? splitStep2(update) : null;
  if (!pieces) return sender.apply(update, whole);
  const resync = inPieces(sender, pieces);
  if (!pieces.some((piece) => isLargeUpdate(piece.update))) {
    let step = resync.next();
    while (!step.done) step = resync.next(judgedNow(live, step.value, actor));
    return step.value;
  }
  // A large piece is judged in turns (large-update.ts), like a large update.
  return (async (): Promise<void> => {
    let step = resync.next();
    while (!step.done) {
      const piece = step.value;
      step = resync.next(isLargeUpdate(piece) ? await oneOfFew(() => judgedTaken(live, piece, () => actor, () => {})) : judgedNow(live, piece, actor));
    }
    if (!step.value) throw new Error("the sync step 2 was refused");
    return step.value;
  })();
}

/**
 * The pieces of a step 2, each judged (it yields a piece's update and is
 * given the verdict), then applied or left out; null once the sender is
 * refused for one.
 */
function* inPieces(sender: Step2Sender, pieces: Piece[]): Generator<Uint8Array, Promise<void> | null, Judged> {
  const { live, actor } = sender;
  const durables: Promise<void>[] = [];
  const left: number[] = [];
  /** Structs pieces held for content the server lacks: they may hold what follows a value another piece deletes. */
  const held: Uint8Array[] = [];
  for (const piece of pieces) {
    const owner = live.clientIds.ownerOf(piece.client);
    // Under a client id the sender's presence names, or that is already the sender's: its own doing.
    const own = sender.presence.has(piece.client) || owner === actor.userId;
    // Refused content (refused-structs.ts) is the sender's only under a client id its presence names: the same
    // account's other tab was sent it too, before its commit failed, and is not to blame for it.
    const refused = piece.kind === "structs" ? live.refusedBefore(piece.update) : null;
    if (piece.kind === "structs" && ((owner !== undefined && owner !== actor.userId) || (refused && !sender.presence.has(piece.client)))) {
      left.push(piece.client); // another user's client: theirs to send
      continue;
    }
    if (refused) {
      sender.refuse(refused);
      return null;
    }
    let update = piece.update;
    let judged = yield update;
    if (piece.kind === "structs" && !judged.verdict.ok && judged.verdict.missing) held.push(update);
    if (piece.kind === "deletions" && !judged.verdict.ok && !judged.verdict.missing && held.length) {
      // A value overwritten (a status set again) is deleted in this piece while its new value waits in a held
      // one: alone, the deletion reads as emptying the field. Judged with the held pieces it waits with them.
      const together = Y.mergeUpdates([...held, update]);
      const again = yield together;
      if (again.verdict.ok || again.verdict.missing) [update, judged] = [together, again];
    }
    const verdict = judged.verdict;
    if (!verdict.ok && !verdict.missing) {
      // The sender's own doing, structs and deletions alike (a deletion piece is keyed by whose items it
      // deletes). Left out and acknowledged, it would leave the sender's copy apart from everyone's for good.
      if (own) {
        sender.refuse(verdict.reason);
        return null;
      }
      left.push(piece.client);
      continue;
    }
    const durable = sender.apply(update, judged);
    if (!durable) return null;
    durables.push(durable);
  }
  sender.logger.info({ doc: live.name, userId: actor.userId, clients: left }, "resync: left out changes the sender may not make");
  return Promise.all(durables).then(() => undefined);
}
