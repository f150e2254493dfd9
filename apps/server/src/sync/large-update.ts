import * as Y from "yjs";
import type { Actor } from "@marginalia/schema";
import { type Authorization, authorizeInTurns, authorizeUpdate } from "./authorize.ts";
import { decodeUpdate } from "./decoded-update.ts";
import type { LiveDocument } from "./document.ts";
import { ownTurn } from "./own-turn.ts";
import { LARGE_UPDATE_BYTES, cutUpdate } from "./update-pieces.ts";

/**
 * Judges an update for a document that is taking it in turns
 * (`LiveDocument.inTurns`): a large one a slice per turn, a small one (queued
 * behind a large one) at once. Whatever the lane does not hold back (the
 * server's own changes, such as a hidden annotation moving) may still change
 * the document between slices, and so may a new role for the sender: then it
 * is judged again, against what is there now.
 */
export async function judgeTaken(live: LiveDocument, update: Uint8Array, actorNow: () => Actor, spent: (ms: number) => void): Promise<Authorization> {
  if (update.length < LARGE_UPDATE_BYTES) return authorizeUpdate(live.doc, update, actorNow());
  for (;;) {
    const changes = live.changeCount;
    const actor = actorNow();
    const verdict = await authorizeInTurns(live.doc, update, actor, spent);
    if (live.changeCount === changes && actorNow() === actor) return verdict;
  }
}

/**
 * Applies an approved update a piece per turn (update-pieces.ts), each
 * through `apply`, which is told whether it is the last; the update whole
 * when it is not cut. Stops, returning null, once `open()` says the sender
 * is gone: what it had not yet applied is not applied for it. Otherwise the
 * durability of every piece.
 */
export async function applyInPieces(
  live: LiveDocument,
  update: Uint8Array,
  open: () => boolean,
  apply: (piece: Uint8Array, last: boolean) => Promise<void>,
): Promise<Array<Promise<void>> | null> {
  // Each step in a turn of its own: the judgement's last slice, the cut, then each piece.
  await ownTurn();
  const pieces = cutUpdate(live.doc, update) ?? { count: 1, encode: () => update };
  const durables: Array<Promise<void>> = [];
  for (let i = 0; i < pieces.count; i++) {
    await ownTurn();
    if (!open()) return null;
    durables.push(apply(pieces.encode(i), i === pieces.count - 1));
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
  const reach = new Map<number, number>();
  const reachOf = (client: number) => reach.get(client) ?? Y.getState(doc.store, client);
  const awaited = new Map<number, number>();
  const need = (client: number, clock: number) => {
    if (clock >= reachOf(client)) awaited.set(client, Math.min(awaited.get(client) ?? clock, clock));
  };
  // How far each client runs without a gap, through the document and then the update (structs come in clock order per client).
  for (const struct of structs) {
    const client = struct.id.client;
    if (struct.id.clock <= reachOf(client)) reach.set(client, Math.max(reachOf(client), struct.id.clock + struct.length));
    else need(client, struct.id.clock - 1);
  }
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue;
    for (const id of [struct.origin, struct.rightOrigin, struct.parent]) if (id instanceof Y.ID) need(id.client, id.clock);
  }
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
let takenNow = 0;
const waitingForSlot: Array<() => void> = [];

/** Runs `work` once fewer than MAX_TAKEN_AT_ONCE large updates are being taken. */
export async function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  if (takenNow < MAX_TAKEN_AT_ONCE) takenNow++;
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await work();
  } finally {
    // Handed straight to the next waiter, if any: the count stays as it is.
    const next = waitingForSlot.shift();
    if (next) next();
    else takenNow--;
  }
}
