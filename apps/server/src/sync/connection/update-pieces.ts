import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as Y from "yjs";
import { ROOTS, parseVoteKey } from "@marginalia/schema";
import { decodeUpdate } from "../validate/decoded-update.ts";
import { encodeDeleteSet } from "./resync.ts";

/**
 * An update this large or larger is judged and applied in turns of the
 * event loop (docs/sync.md, "Large updates"). Below it, judging and applying
 * together take under about 10 ms: 64 KiB carries about 100 new annotations.
 */
export const LARGE_UPDATE_BYTES = 64 * 1024;
/**
 * So is one of this many structs or more, from LARGE_BY_STRUCTS_FROM_BYTES up: an edit is a struct of a few
 * bytes, and what costs is the annotations it touches, each judged and projected again. An update under
 * 64 KiB that edited 4,000 bodies held the loop 38–122 ms; 256 edits take about 10 ms.
 */
export const LARGE_UPDATE_STRUCTS = 256;
const LARGE_BY_STRUCTS_FROM_BYTES = 4 * 1024;

/** Whether `update` is taken in turns: by its bytes, or by its structs (read from its first client's header when it has one client). */
export function isLargeUpdate(update: Uint8Array): boolean {
  if (update.length >= LARGE_UPDATE_BYTES) return true;
  if (update.length < LARGE_BY_STRUCTS_FROM_BYTES) return false;
  try {
    const decoder = decoding.createDecoder(update);
    const clients = decoding.readVarUint(decoder);
    // A count no update of this length can hold (a struct takes two bytes at least) is not believed: the
    // update is judged at once, and refused as unreadable, rather than keep its document busy.
    if (clients === 1) {
      const structs = decoding.readVarUint(decoder);
      return structs >= LARGE_UPDATE_STRUCTS && structs * 2 <= update.length;
    }
    return decodeUpdate(update).structs.length >= LARGE_UPDATE_STRUCTS;
  } catch {
    return false; // unreadable: the judgement, done at once, refuses it
  }
}

/**
 * Structs a piece holds, at least (it ends where the next safe cut falls).
 * With the server's observers, fan-out and commit, a piece of 1 MB's worth
 * of new annotations (22,500 structs) takes 2–5 µs a struct on the bench
 * host: about 2–5 ms a piece.
 */
const PIECE_STRUCTS = 1_000;
/**
 * Annotations a piece begins, at most where a cut can fall sooner: each one a piece touches is read and
 * projected again when it is stored (about 25 µs), so 1,000 structs that edit 1,000 bodies would be one
 * 25–40 ms turn.
 */
const PIECE_ANNOTATIONS = 200;

/**
 * Cuts an update that was judged whole into pieces that, applied one after
 * another, leave the document as the whole would: the structs in clock order,
 * each piece a run of them, and the delete set with the last. Every piece is
 * a state that the whole passes through, so what the server writes and
 * sends between pieces is a valid document: no cut falls inside an
 * annotation, a vote and its annotation stay together, and so does anything
 * the update writes twice into one annotation. An update from more than one
 * Yjs client (a sync step 2 after offline sessions) is not cut: its clients'
 * structs build on one another in an order the pieces would have to find.
 * Null when the update is not cut.
 */
export function cutUpdate(doc: Y.Doc, update: Uint8Array): Pieces | null {
  const { structs, ds } = decodeUpdate(update);
  if (structs.length <= PIECE_ANNOTATIONS) return null;
  const client = structs[0]!.id.client;
  if (structs.some((s) => s.id.client !== client || s instanceof Y.Skip)) return null;
  const cuts = safeCuts(entriesOf(doc, structs as Array<Y.Item | Y.GC>));
  if (cuts.length === 0) return null;
  const bounds = [0, ...cuts, structs.length];
  return {
    count: bounds.length - 1,
    encode: (i) => {
      const last = i + 2 === bounds.length;
      return encodePiece(structs.slice(bounds[i], bounds[i + 1]) as Array<Y.Item | Y.GC>, last ? encodeDeleteSet(ds.clients) : EMPTY_DELETE_SET);
    },
  };
}

/** An update's pieces, each written when asked for: writing them all at once takes a turn of its own (15–40 ms for 1 MB). */
export type Pieces = { readonly count: number; encode(index: number): Uint8Array };

const EMPTY_DELETE_SET = new Uint8Array([0]);

/** Where pieces may start: past every entry begun before, PIECE_STRUCTS structs or PIECE_ANNOTATIONS entries apart. */
function safeCuts(entries: Array<string | null>): number[] {
  const lastOf = new Map<string, number>();
  entries.forEach((entry, i) => entry !== null && lastOf.set(entry, i));
  const cuts: number[] = [];
  let start = 0;
  let reach = -1; // the furthest struct of any entry begun so far
  let begun = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    if ((i - start >= PIECE_STRUCTS || begun.size >= PIECE_ANNOTATIONS) && reach < i) {
      cuts.push((start = i));
      begun = new Set();
    }
    const entry = entries[i] ?? null;
    if (entry === null) continue;
    begun.add(entry);
    reach = Math.max(reach, lastOf.get(entry)!);
  }
  return cuts;
}

/**
 * The annotation each struct of a one-client update writes into (its votes
 * count as its own). Null for what writes into none (the notes, a
 * garbage-collected struct, content whose context is gone): it constrains no
 * cut.
 */
function entriesOf(doc: Y.Doc, structs: Array<Y.Item | Y.GC>): Array<string | null> {
  const client = structs[0]!.id.client;
  const first = structs[0]!.id.clock;
  const roots = new Map<unknown, string>();
  for (const [name, type] of doc.share) roots.set(type, name);
  const entries: Array<string | null> = [];
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) {
      entries.push(null);
      continue;
    }
    // As decoded, an item names its parent only when it has no neighbours; otherwise it shares theirs.
    const parent = struct.parent as unknown as string | Y.ID | null;
    if (typeof parent === "string") {
      entries.push(entryAt(parent, struct.parentSub));
      continue;
    }
    const ref = struct.origin ?? struct.rightOrigin ?? parent;
    if (ref === null) entries.push(null);
    else if (ref.client === client && ref.clock >= first) entries.push(entries[indexAt(structs, ref.clock)] ?? null);
    else entries.push(liveEntry(doc, roots, ref));
  }
  return entries;
}

/** An annotation's id, or null for what is not part of one (the notes, say, which are text at any cut). */
function entryAt(root: string, key: string | null): string | null {
  if (key === null) return null;
  if (root === ROOTS.annotations) return key;
  return root === ROOTS.votes ? (parseVoteKey(key)?.annotationId ?? null) : null;
}

/** The entry of the document's struct `id`, found by walking up from it; null when it is gone. */
function liveEntry(doc: Y.Doc, roots: Map<unknown, string>, id: Y.ID): string | null {
  if (id.clock >= Y.getState(doc.store, id.client)) return null;
  let item = Y.getItem(doc.store, id);
  for (;;) {
    if (!(item instanceof Y.Item)) return null;
    const parent = item.parent as Y.AbstractType<unknown> | null;
    if (!parent) return null;
    if (!parent._item) return entryAt(roots.get(parent) ?? "", item.parentSub);
    item = parent._item;
  }
}

/** The index of the struct holding `clock`, in structs of one client sorted by clock. */
function indexAt(structs: Array<Y.Item | Y.GC>, clock: number): number {
  let low = 0;
  let high = structs.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (structs[mid]!.id.clock <= clock) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** Structs of one client, in clock order without a gap, and a delete set, as a v1 update. */
function encodePiece(structs: Array<Y.Item | Y.GC>, deleteSet: Uint8Array): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 1);
  encoding.writeVarUint(encoder.restEncoder, structs.length);
  encoder.writeClient(structs[0]!.id.client);
  encoding.writeVarUint(encoder.restEncoder, structs[0]!.id.clock);
  for (const struct of structs) struct.write(encoder, 0);
  encoding.writeUint8Array(encoder.restEncoder, deleteSet);
  return encoder.toUint8Array();
}
