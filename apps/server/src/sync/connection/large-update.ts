import * as Y from "yjs";
import type { Actor } from "@marginalia/schema";
import { type Authorization, type ModerationStep, authorizeInTurns, authorizeUpdate } from "../authorize/authorize.ts";
import { Turns } from "../../threads/turns.ts";
import { decodeInTurns, decodeUpdate, forgetDecoded } from "../validate/decoded-update.ts";
import type { LiveDocument } from "../document/document.ts";
import { Locator } from "../validate/locate.ts";
import { ownTurn } from "../document/own-turn.ts";
import { type Pieces, cutUpdate, isLargeUpdate } from "./update-pieces.ts";

/**
 * Whether `update` is taken in the document's lane: it is large, the lane holds the document's other writers out
 * (update-lane.ts), or `following`: an update of its sender's is in the lane, which it follows in order.
 */
export function takenInTurns(live: LiveDocument, update: Uint8Array, following = false): boolean {
  return isLargeUpdate(update) || live.lane.holding || following;
}

/** Runs `work` on `update` in the document's lane (update-lane.ts); a large one waits to be one of few (`oneOfFew`). */
export function inLane<T>(live: LiveDocument, update: Uint8Array, work: () => Promise<T>): Promise<T> {
  return live.lane.run(isLargeUpdate(update) ? () => oneOfFew(work) : work);
}

/**
 * A verdict on an update, with what it was given against: the document's
 * change count and the sender as it was. It holds while both are unchanged
 * (`stillHolds`), so that a step 2 judged whole to decide whether to split it
 * (step2.ts) is not judged again when it is applied.
 */
export type Judged = { verdict: Authorization; changes: number; actor: Actor };

/** `judged`'s verdict, when neither the document nor the sender has changed since it was given; else null. */
export function stillHolds(live: LiveDocument, judged: Judged | undefined, actor: Actor): Authorization | null {
  return judged && judged.changes === live.changeCount && judged.actor === actor ? judged.verdict : null;
}

/** What taking a large update needs of the connection that received it (socket-updates.ts). */
export type Taker = {
  live: LiveDocument;
  /** A verdict already given on the update, used if it still holds when its turn comes. */
  judged?: Judged;
  /** The sender as the document knows it now: a new role has the update judged again. */
  actor(): Actor;
  /** Whether the sender's connection is still open. */
  open(): boolean;
  /** Counts event-loop time against the sender's share (loop-budget.ts). */
  spend(ms: number): void;
  /** Refuses the update (or `piece` of it), closing the connection, when it writes under another user's Yjs client id. */
  refusedForClientIds(piece?: Uint8Array): boolean;
  /** What a verdict that applies nothing leads to (held, refused, nothing); null once the connection closed for it. */
  withoutApplying(verdict: Authorization): Promise<void> | null;
  /** Applies an approved piece; `steps` are the update's moderation steps, given with its last piece. */
  apply(piece: Uint8Array, steps: ModerationStep[]): Promise<void>;
  /** Every piece is applied. */
  applied(): void;
};

/**
 * Takes an update in the document's lane: judged a slice per turn, then
 * applied a piece per turn. The document's other writers go on meanwhile
 * (docs/sync.md, "Large updates"): once anything but the update's own pieces
 * changed the document, or the sender's role changed, since its verdict was
 * given, every piece left is judged again, in the turn that applies it,
 * against the document as it is then. Its durability, which rejects for an
 * update refused, or left unapplied because the connection closed first.
 */
export function takeInTurns(taker: Taker, update: Uint8Array): Promise<void> {
  const take = async (): Promise<{ durable: Promise<void> }> => {
    // Decoded in turns of its own, before anything reads it whole (an unreadable one fails again below, as before).
    await decodeInTurns(update, taker.spend).catch(() => {});
    if (!taker.open() || taker.refusedForClientIds()) throw notApplied();
    // A verdict given before its turn came stands if it approved it: what changed since has each piece judged again.
    const given = taker.judged && taker.judged.actor === taker.actor() && (taker.judged.verdict.ok || stillHolds(taker.live, taker.judged, taker.actor()));
    return applyJudged(taker, update, given ? taker.judged! : await judgedTaken(taker.live, update, taker.actor, taker.spend));
  };
  return inLane(taker.live, update, take).then(({ durable }) => durable);
}

/** `takeInTurns` once judged; `held`: with the document's other writers held out (update-lane.ts). */
async function applyJudged(taker: Taker, update: Uint8Array, judged: Judged, held = false): Promise<{ durable: Promise<void> }> {
  const { live } = taker;
  const { verdict } = judged;
  if (!taker.open()) throw notApplied();
  if (!verdict.ok || verdict.empty) {
    // Held outside the lane: what it waits for may come in an update queued behind this one.
    const durable = taker.withoutApplying(verdict);
    if (!durable) throw notApplied();
    return { durable };
  }
  // Each step in a turn of its own: the judgement's last slice, the cut, then each piece.
  await ownTurn();
  const pieces = cutUpdate(live.doc, update);
  if (!pieces && !held && isLargeUpdate(update) && !stillHolds(live, judged, taker.actor())) {
    // Not cut, it cannot be judged again in the turn that applies it: judged again in turns with the document's
    // other writers held out, and applied before they are let in.
    return live.lane.holdingOthers(async () => applyJudged(taker, update, await judgedTaken(live, update, taker.actor, taker.spend), true));
  }
  let stale = false;
  let seen = judged.changes;
  const durables = await applyInPieces(pieces ?? { count: 1, encode: () => update }, taker.open, (piece, last) => {
    const started = performance.now();
    const actor = taker.actor();
    // Another writer's change, or a new role, since the verdict: it no longer speaks for what is left.
    stale ||= live.changeCount !== seen || actor !== judged.actor;
    if (stale) {
      if (taker.refusedForClientIds(piece)) return null;
      // One this document or the new role does not allow is refused, as its next update would be.
      const again = authorizeUpdate(live.doc, piece, actor);
      if (!again.ok) {
        taker.withoutApplying(again);
        return null;
      }
    }
    const durable = taker.apply(piece, last ? verdict.steps : []);
    seen = live.changeCount;
    taker.spend(performance.now() - started);
    return durable;
  });
  forgetDecoded(update);
  if (!durables) throw notApplied();
  taker.applied();
  return { durable: Promise.all(durables).then(() => undefined) };
}

const notApplied = (): Error => new Error("the update was not applied: its connection closed");

/**
 * Judges an update for a document that is taking it in turns (in its lane,
 * `inLane`): a large one a slice per turn, a small one (queued
 * behind a large one) at once. The document's other writers may change it
 * between slices, and so may a new role for the sender: then a verdict that
 * approves it stands, given against the change count the judgement began at,
 * so that each piece is judged again as it is applied (`takeInTurns`); any
 * other is judged again, with the document's other writers held out, so that
 * a steady stream of small changes cannot keep it from ever being judged.
 */
export async function judgeTaken(live: LiveDocument, update: Uint8Array, actorNow: () => Actor, spent: (ms: number) => void): Promise<Authorization> {
  return (await judgedTaken(live, update, actorNow, spent)).verdict;
}

/** `judgeTaken`, with what its verdict was given against. */
export async function judgedTaken(live: LiveDocument, update: Uint8Array, actorNow: () => Actor, spent: (ms: number) => void): Promise<Judged> {
  const judge = async (): Promise<Judged> => {
    const changes = live.changeCount;
    const actor = actorNow();
    const verdict = isLargeUpdate(update) ? await authorizeInTurns(live.doc, update, actor, spent) : authorizeUpdate(live.doc, update, actor);
    return { verdict, changes, actor };
  };
  const first = await judge();
  if (first.actor === actorNow() && (first.verdict.ok || first.changes === live.changeCount)) return first;
  return live.lane.holdingOthers(async () => {
    for (;;) {
      const judged = await judge();
      if (live.changeCount === judged.changes && actorNow() === judged.actor) return judged;
    }
  });
}

/**
 * Applies an approved update a piece per turn (update-pieces.ts), each
 * through `apply`, which is told whether it is the last; the update whole
 * when it is not cut. Stops, returning null, once `open()` says the sender
 * is gone or `apply` refuses a piece: what it had not yet applied is not
 * applied for it. Otherwise the durability of every piece.
 */
async function applyInPieces(
  pieces: Pieces,
  open: () => boolean,
  apply: (piece: Uint8Array, last: boolean) => Promise<void> | null,
): Promise<Array<Promise<void>> | null> {
  const durables: Array<Promise<void>> = [];
  for (let i = 0; i < pieces.count; i++) {
    await ownTurn();
    const durable = open() && apply(pieces.encode(i), i === pieces.count - 1);
    if (!durable) return null;
    durables.push(durable);
  }
  return durables;
}

/**
 * For a large update that builds on content the server has not received:
 * per Yjs client, the lowest clock it names that neither the document nor
 * the update holds. Until the document's state passes one of them, judging
 * it again (a slice per turn, with the document's other writers waiting)
 * cannot find it whole; an update naming content that never comes would
 * otherwise be judged again after every change to the document. Empty when
 * nothing named is missing now (it arrived meanwhile): then it is judged
 * again at the next change.
 */
export function awaitedClocks(doc: Y.Doc, update: Uint8Array): Map<number, number> {
  const { structs, ds } = decodeUpdate(update);
  const items = structs.filter((s): s is Y.Item => s instanceof Y.Item);
  const locator = new Locator(doc, items, structs.filter((s): s is Y.GC => s instanceof Y.GC));
  const awaited = new Map<number, number>();
  const need = (client: number, clock: number) => {
    if (clock >= locator.reachedClockOf(client)) awaited.set(client, Math.min(awaited.get(client) ?? clock, clock));
  };
  for (const struct of structs) need(struct.id.client, struct.id.clock - 1);
  for (const item of items) for (const id of [item.origin, item.rightOrigin, item.parent]) if (id instanceof Y.ID) need(id.client, id.clock);
  for (const [client, ranges] of ds.clients) for (const range of ranges) need(client, range.clock);
  return awaited;
}

/** Whether the document now holds one of the clocks a held update awaited (`awaitedClocks`). */
export function anyArrived(doc: Y.Doc, awaited: ReadonlyMap<number, number>): boolean {
  if (awaited.size === 0) return true;
  for (const [client, clock] of awaited) if (Y.getState(doc.store, client) > clock) return true;
  return false;
}

/**
 * Large updates being taken at once, across the process. Each holds about
 * ten times its size in decoded structs while it is judged and applied
 * (8.7 MB of heap for an update of 800 KB), and many sockets each sending
 * one would otherwise hold them all together; past this many, the next
 * waits for one to end.
 */
export const MAX_TAKEN_AT_ONCE = 4;
const taking = new Turns(MAX_TAKEN_AT_ONCE);

/** Runs `work` once fewer than MAX_TAKEN_AT_ONCE large updates are being taken. */
export function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  return taking.run(work);
}
