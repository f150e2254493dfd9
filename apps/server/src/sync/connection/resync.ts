import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * One part of a sync step 2: the structs one Yjs client wrote, or the
 * deletions of one Yjs client's items. `client` names whose items they are.
 */
export type Piece = { client: number; kind: "structs" | "deletions"; update: Uint8Array };

/**
 * Splits a sync step 2 into pieces that can be judged one by one.
 *
 * A step 2 carries everything its sender holds that the server lacks. After a
 * server crash that is not only the sender's own unsaved work: it also holds
 * other people's changes that were broadcast and never committed. Judged as a
 * whole, the first such change gets the sender refused, and with it their own
 * unsaved work. Judged in pieces, what the sender may write is kept and the
 * rest is left out (its author's own client sends it again on reconnecting).
 *
 * Returns null when the update cannot be split safely; the caller then judges
 * it whole, as before.
 */
export function splitStep2(update: Uint8Array): Piece[] | null {
  const { structs, ds } = Y.decodeUpdate(update);
  const clients = [...new Set(structs.map((s) => s.id.client))];
  const dsBytes = encodeDeleteSet(ds.clients);
  const pieces: Piece[] = [];
  for (const client of clients) {
    // Every other client counted as fully known leaves only this client's structs in the diff.
    const others = new Map(clients.filter((c) => c !== client).map((c) => [c, 2 ** 32]));
    const diff = Y.diffUpdate(update, Y.encodeStateVector(others));
    // The diff ends with the whole delete set, which goes into pieces of its own.
    if (!endsWith(diff, dsBytes)) return null;
    const structsOnly = new Uint8Array(diff.length - dsBytes.length + 1);
    structsOnly.set(diff.subarray(0, diff.length - dsBytes.length));
    structsOnly[structsOnly.length - 1] = 0; // an empty delete set
    pieces.push({ client, kind: "structs", update: structsOnly });
  }
  for (const [client, ranges] of ds.clients) {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0); // no structs
    encoding.writeUint8Array(encoder, encodeDeleteSet(new Map([[client, ranges]])));
    pieces.push({ client, kind: "deletions", update: encoding.toUint8Array(encoder) });
  }
  return pieces;
}

type Ranges = Array<{ clock: number; len: number }>;

/** A delete set in Yjs's v1 encoding, clients in descending order as Yjs writes them. */
export function encodeDeleteSet(clients: Map<number, Ranges>): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, clients.size);
  for (const [client, ranges] of [...clients].sort((a, b) => b[0] - a[0])) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, ranges.length);
    for (const { clock, len } of ranges) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, len);
    }
  }
  return encoding.toUint8Array(encoder);
}

function endsWith(bytes: Uint8Array, tail: Uint8Array): boolean {
  if (tail.length > bytes.length) return false;
  const offset = bytes.length - tail.length;
  for (let i = 0; i < tail.length; i++) if (bytes[offset + i] !== tail[i]) return false;
  return true;
}
