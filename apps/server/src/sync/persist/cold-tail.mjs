// A snapshot and the log rows after it, kept apart by a load (doc-store.ts).
// Plain JavaScript: it runs on the loads' worker thread too (yjs-jobs.mjs).
// Types: cold-tail.d.mts.
import * as Y from "yjs";

/**
 * The state vector of a snapshot followed by the log rows written after it
 * (merged into `tail`), without merging the two: each client's clock moves
 * past the tail's structs that continue it. Merging a 10 MB snapshot with
 * even one row reads and writes the whole snapshot (0.3 s on the worker);
 * decoding a tail of 500 rows takes a millisecond. Throws where Yjs would on
 * a tail that does not parse, so that it fails the load (DocStore.load).
 */
export function stateVectorWithTail(stateVector, tail) {
  const clocks = Y.decodeStateVector(stateVector);
  const byClient = new Map();
  for (const struct of Y.decodeUpdate(tail).structs) {
    // A skip stands for a gap in the tail: content it does not carry.
    if (struct instanceof Y.Skip) continue;
    const list = byClient.get(struct.id.client);
    if (list) list.push(struct);
    else byClient.set(struct.id.client, [struct]);
  }
  for (const [client, structs] of byClient) {
    structs.sort((a, b) => a.id.clock - b.id.clock);
    let clock = clocks.get(client) ?? 0;
    for (const struct of structs) {
      // Past a gap neither the snapshot nor the tail fills, Yjs would hold the rest pending.
      if (struct.id.clock > clock) break;
      clock = Math.max(clock, struct.id.clock + struct.length);
    }
    if (clock > 0) clocks.set(client, clock);
  }
  return Y.encodeStateVector(clocks);
}
