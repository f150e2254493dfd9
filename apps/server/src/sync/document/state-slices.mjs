// A document's state cut into updates small enough to apply one per
// event-loop turn (docs/architecture.md, "Persistence and the commit").
// Plain JavaScript: it runs on the worker thread (yjs-worker.mjs). Types:
// state-slices.d.mts.
import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * Cuts `state` (a whole document's state, as Y.encodeStateAsUpdate writes
 * it) into updates that an empty Y.Doc can take one after another, each
 * whole: `structs` structs per slice at most, in an order where everything
 * a struct refers to (its left and right origins, its parent) comes before
 * it; then its deletions, `ranges` ranges per slice. Applied in order they
 * build the same document as the state applied at once, and no one of them
 * leaves anything pending.
 *
 * Yjs applies an update in one transaction, so a large state built at once
 * holds the event loop for its whole length (about a second for 10 MB);
 * Yjs has no way to apply part of one. Returns null for a state this cannot
 * order (one that refers to content it does not hold, or was merged with
 * gaps): the caller applies that one whole.
 */
export function sliceState(state, { structs: perSlice, ranges: rangesPerSlice }) {
  const { structs, ds } = Y.decodeUpdate(state);
  /** Each client's structs in clock order, and how far they have been placed. */
  const chains = new Map();
  for (const struct of structs) {
    if (struct instanceof Y.Skip) return null;
    let chain = chains.get(struct.id.client);
    if (!chain) {
      if (struct.id.clock !== 0) return null;
      chain = { structs: [], next: 0, clock: 0 };
      chains.set(struct.id.client, chain);
    }
    chain.structs.push(struct);
  }
  const order = causalOrder(chains);
  if (!order) return null;
  const slices = [];
  for (let i = 0; i < order.length; i += perSlice) slices.push(encodeStructs(order.slice(i, i + perSlice)));
  for (const part of splitDeleteSet(ds, rangesPerSlice)) slices.push(encodeDeletions(part));
  return slices;
}

/**
 * Every struct once, each after what it refers to in other clients' chains
 * (a client's own earlier structs come before it by clock). Depth first, as
 * Yjs integrates: a struct that waits on another client's content sends the
 * walk down that client's chain just far enough, then back. Null when a
 * reference points at content the state does not hold, or the waits form a
 * cycle, which no state Yjs wrote has.
 */
function causalOrder(chains) {
  const order = [];
  for (const start of chains.values()) {
    const stack = [{ chain: start, until: Number.POSITIVE_INFINITY }];
    const waiting = new Set([start]);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const { chain } = top;
      if (chain.clock > top.until) {
        stack.pop();
        waiting.delete(chain);
        continue;
      }
      if (chain.next >= chain.structs.length) {
        if (top.until !== Number.POSITIVE_INFINITY) return null;
        stack.pop();
        waiting.delete(chain);
        continue;
      }
      const struct = chain.structs[chain.next];
      const dep = unplaced(struct, chains);
      if (dep === undefined) return null;
      if (dep) {
        const needed = chains.get(dep.client);
        if (waiting.has(needed)) return null;
        stack.push({ chain: needed, until: dep.clock });
        waiting.add(needed);
        continue;
      }
      order.push(struct);
      chain.next++;
      chain.clock = struct.id.clock + struct.length;
    }
  }
  return order;
}

/** The first content of another client that `struct` refers to and that is not placed yet; undefined when the state lacks it. */
function unplaced(struct, chains) {
  if (!(struct instanceof Y.Item)) return null;
  const parent = struct.parent instanceof Y.ID ? struct.parent : null;
  for (const id of [struct.origin, struct.rightOrigin, parent]) {
    if (!id || id.client === struct.id.client) continue;
    const chain = chains.get(id.client);
    if (!chain) return undefined;
    if (id.clock >= chain.clock) return id;
  }
  return null;
}

/** One update carrying `structs`: each client's run of them, which is contiguous in clock, and no deletions. */
function encodeStructs(structs) {
  const byClient = new Map();
  for (const struct of structs) {
    const run = byClient.get(struct.id.client);
    if (run) run.push(struct);
    else byClient.set(struct.id.client, [struct]);
  }
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [client, run] of byClient) {
    encoding.writeVarUint(encoder.restEncoder, run.length);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, run[0].id.clock);
    for (const struct of run) struct.write(encoder, 0);
  }
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}

/** The delete set in parts of at most `ranges` ranges, each a list of [client, ranges]. */
function splitDeleteSet(ds, ranges) {
  const parts = [];
  let part = [];
  let size = 0;
  for (const [client, items] of ds.clients) {
    for (let i = 0; i < items.length; i += ranges) {
      const chunk = items.slice(i, i + ranges);
      if (size + chunk.length > ranges && part.length) {
        parts.push(part);
        part = [];
        size = 0;
      }
      part.push([client, chunk]);
      size += chunk.length;
    }
  }
  if (part.length) parts.push(part);
  return parts;
}

/** An update with no structs that deletes `part`'s ranges. */
function encodeDeletions(part) {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 0);
  writeDeleteRanges(encoder, part);
  return encoder.toUint8Array();
}

/** Writes an update's delete set, `[client, ranges]` per client, as Yjs does (its writeDeleteSet is not exported). */
export function writeDeleteRanges(encoder, part) {
  encoding.writeVarUint(encoder.restEncoder, part.length);
  for (const [client, items] of part) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, items.length);
    for (const item of items) {
      encoder.writeDsClock(item.clock);
      encoder.writeDsLen(item.len);
    }
  }
}
