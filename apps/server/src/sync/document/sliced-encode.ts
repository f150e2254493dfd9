import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { STEP2_HEADROOM, syncStep2Message } from "../connection/messages.ts";
import { ownTurn } from "./own-turn.ts";

/**
 * A document of this many structs or fewer is encoded whole, in about 7 ms.
 * Y.encodeStateAsUpdate takes 175–260 ms for one of 300,911 structs (10,000
 * annotations and their edits, 9.4 MB) on the 2-core bench host, about 0.7
 * µs a struct written (bench/results/journal.md).
 */
export const ENCODE_WHOLE_MAX_STRUCTS = 10_000;

/**
 * Nor one that encodes to more than this (LiveDocument keeps an estimate):
 * a few thousand structs of long bodies make megabytes, and writing 3 MB
 * whole held the loop 45–180 ms.
 */
export const ENCODE_WHOLE_MAX_BYTES = 256 * 1024;

/**
 * How long a slice runs before it gives the turn back. By time, not by
 * count: a struct written costs about ten times one only scanned for the
 * delete set, and a returning client's answer is nearly all scanning. For
 * the 9.4 MB document the loop was held at most 8.5–16 ms a turn: a new
 * client's answer took 217–313 ms in all (whole: 166–268), a returning
 * client's 33–77 ms (whole: 13–15).
 */
const SLICE_MS = 8;
/** Structs between looks at the clock: few enough that long bodies (20,000 characters each) do not run a slice long. */
const CHECK_EVERY = 16;

/** How many structs a document holds, across its clients: what its encoding costs. */
export function structCount(doc: Y.Doc): number {
  let n = 0;
  for (const structs of doc.store.clients.values()) n += structs.length;
  return n;
}

/**
 * The messages answering a client's sync step 1 with state vector `sv`: written whole for a small document,
 * a slice per turn for a large one (`encodeStateInSlices`: 300,000 structs whole held the loop 175–260 ms),
 * and none once `gone()`. `encodedBytes`: about what the document encodes to (LiveDocument.encodedBytes).
 */
export function writeStep2(
  doc: Y.Doc,
  encodedBytes: number,
  sv: Uint8Array,
  gone: () => boolean,
  spent?: (ms: number) => void,
): Uint8Array[] | Promise<Uint8Array[]> {
  if (encodedBytes <= ENCODE_WHOLE_MAX_BYTES && structCount(doc) <= ENCODE_WHOLE_MAX_STRUCTS) {
    return [syncStep2Message(Y.encodeStateAsUpdate(doc, sv))];
  }
  return encodeStateInSlices(doc, sv, gone, undefined, spent).then((update) => (update ? [syncStep2Message(update, STEP2_HEADROOM)] : []));
}

type Block = { client: number; start: number; count: number; structs: Y.UpdateEncoderV1 };

/**
 * What `Y.encodeStateAsUpdate(doc, stateVector)` returns, written a slice
 * per turn of the event loop (`ownTurn`) so that a new client of a large
 * document does not hold every other socket while the whole of it is
 * encoded. On a document nobody changes meanwhile the bytes are the same as
 * Yjs's. The document may change between slices: each slice writes the
 * structs as they are then, from the clock the last one reached, so each
 * client's structs still run without a gap from the state vector's clock.
 * What changes after the encoding starts is not all in it, but the caller
 * sends it anyway: the recipient must already be among the document's peers,
 * receiving its broadcasts, which Yjs applies in any order. Null if `gone()`
 * says the document was unloaded. The update has `STEP2_HEADROOM` free bytes
 * before it (`syncStep2Message` frames it in place).
 *
 * The delete set is gathered the same way, over every struct (as Yjs's
 * `createDeleteSetFromStructStore` does): a deletion made after a struct was
 * passed reaches the recipient in a broadcast.
 */
export async function encodeStateInSlices(
  doc: Y.Doc,
  stateVector: Uint8Array,
  gone: () => boolean,
  /** At most this many structs a slice, whatever the time (tests cut small documents into many slices). */
  sliceStructs = Number.POSITIVE_INFINITY,
  /** Told each slice's time: the asking socket's account is charged for it (loop-budget.ts). */
  spent: (ms: number) => void = () => {},
): Promise<Uint8Array | null> {
  const known = Y.decodeStateVector(stateVector);
  // Clients by id, highest first, as Yjs writes them; each up to its clock when the encoding started.
  const ends = [...doc.store.clients].map(([client, structs]) => {
    const last = structs[structs.length - 1]!;
    return [client, last.id.clock + last.length] as const;
  });
  ends.sort((a, b) => b[0] - a[0]);
  const blocks: Block[] = [];
  const deletions = new Map<number, Array<[number, number]>>();
  let inSlice = 0;
  let sliceStarted = performance.now();
  for (const [client, end] of ends) {
    const from = known.get(client) ?? 0;
    const block: Block = { client, start: from, count: 0, structs: new Y.UpdateEncoderV1() };
    const ranges: Array<[number, number]> = [];
    let clock = 0;
    while (clock < end) {
      if (inSlice >= sliceStructs || performance.now() - sliceStarted >= SLICE_MS) {
        spent(performance.now() - sliceStarted);
        await ownTurn();
        if (gone()) return null;
        inSlice = 0;
        sliceStarted = performance.now();
      }
      // Found again by clock after each turn given back: the array changes as structs are split and merged.
      // Within a slice it cannot, and is walked in order.
      const structs = doc.store.clients.get(client)!;
      for (let i = Y.findIndexSS(structs, clock); clock < end; i++) {
        const struct = structs[i]!;
        const structEnd = struct.id.clock + struct.length;
        if (struct.deleted) {
          const last = ranges[ranges.length - 1];
          if (last && last[0] + last[1] === clock) last[1] += structEnd - clock;
          else ranges.push([clock, structEnd - clock]);
        }
        if (structEnd > from) {
          const at = Math.max(clock, from);
          struct.write(block.structs, at - struct.id.clock);
          block.count++;
        }
        clock = structEnd;
        if (++inSlice >= sliceStructs || (inSlice % CHECK_EVERY === 0 && performance.now() - sliceStarted >= SLICE_MS)) break;
      }
    }
    if (block.count > 0) blocks.push(block);
    if (ranges.length > 0) deletions.set(client, ranges);
  }
  const update = assemble(blocks, deletions);
  spent(performance.now() - sliceStarted); // the last slice, with the assembly
  return update;
}

/**
 * A v1 update: the blocks of structs, each with its count, client and first
 * clock, then the delete set. Sized once and copied once, with
 * `STEP2_HEADROOM` free bytes before it in its buffer for the sync message's
 * frame: the blocks are megabytes, which an encoder would copy as it grows.
 */
function assemble(blocks: Block[], deletions: Map<number, Array<[number, number]>>): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = (write: (e: encoding.Encoder) => void) => {
    const e = encoding.createEncoder();
    write(e);
    parts.push(encoding.toUint8Array(e));
  };
  head((e) => encoding.writeVarUint(e, blocks.length));
  for (const { client, start, count, structs } of blocks) {
    head((e) => {
      encoding.writeVarUint(e, count);
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, start);
    });
    parts.push(structs.toUint8Array());
  }
  head((e) => {
    encoding.writeVarUint(e, deletions.size);
    for (const [client, ranges] of [...deletions].sort((a, b) => b[0] - a[0])) {
      encoding.writeVarUint(e, client);
      encoding.writeVarUint(e, ranges.length);
      for (const [clock, len] of ranges) {
        encoding.writeVarUint(e, clock);
        encoding.writeVarUint(e, len);
      }
    }
  });
  const length = parts.reduce((n, part) => n + part.byteLength, 0);
  const update = new Uint8Array(new ArrayBuffer(STEP2_HEADROOM + length), STEP2_HEADROOM, length);
  let at = 0;
  for (const part of parts) {
    update.set(part, at);
    at += part.byteLength;
  }
  return update;
}
