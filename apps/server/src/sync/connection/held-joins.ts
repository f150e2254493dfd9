import * as Y from "yjs";
import { writtenClients } from "../authorize/client-ids.ts";
import { clientSpans, decodeUpdate } from "../validate/decoded-update.ts";

/**
 * Which new client ids an applied update makes the sender's (client-ids.ts):
 * all of them for a live update, which a client sends of its own edits; for a
 * sync step 2, which can carry anyone's, only those its presence named; for
 * held updates of both kinds merged together (`joinedClaim`), those its
 * presence named and the ones its live updates wrote.
 */
export type Claim = "all" | "presence" | ReadonlySet<number>;

/** Whether applying under `claim` makes `client` the sender's, `presence` being the ids its presence names. */
export function claims(claim: Claim, client: number, presence: ReadonlySet<number>): boolean {
  return claim === "all" || presence.has(client) || (claim !== "presence" && claim.has(client));
}

/** The claim of updates merged into one: each part's own, read against the document before any is applied. */
export function joinedClaim(doc: Y.Doc, parts: ReadonlyArray<{ claim: Claim; update: Uint8Array }>): Claim {
  if (parts.every((part) => part.claim === "all")) return "all";
  const ids = new Set<number>();
  for (const { claim, update } of parts) {
    if (claim === "all") for (const client of writtenClients(doc, update)) ids.add(client);
    else if (claim !== "presence") for (const client of claim) ids.add(client);
  }
  return ids;
}

/** Per client, the clocks an update's structs span, from its first to past its last (gaps included). */
export type Reach = ReadonlyMap<number, readonly [from: number, to: number]>;

export function reachOf(update: Uint8Array): Reach {
  return clientSpans(decodeUpdate(update).structs, (struct) => !(struct instanceof Y.Skip));
}

/** Whether an update awaiting `awaited` (large-update.ts, awaitedClocks) builds on content within `reach`. */
export function buildsOn(awaited: ReadonlyMap<number, number>, reach: Reach): boolean {
  for (const [client, clock] of awaited) {
    const span = reach.get(client);
    if (span && span[0] <= clock && clock < span[1]) return true;
  }
  return false;
}
