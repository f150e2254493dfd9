import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { inSlices } from "../document/own-turn.ts";

type Decoded = ReturnType<typeof Y.decodeUpdate>;
type Struct = Decoded["structs"][number];

/**
 * An update's structs and delete set, decoded once however many checks read
 * them: a socket's update is read for the client ids it writes under
 * (client-ids.ts) before it is applied and again after, and for what it
 * touches (authorize.ts), and each used to decode it whole, strings and all.
 * In the many-rooms bench those decodes were a tenth of the event loop's
 * busy time. Never handed to a Y.Doc. Dropped once the update is applied
 * (`forgetDecoded`): the bytes live on in the commit queue, and decoded
 * structs kept with them would outlive a young-generation collection and
 * leave garbage in the old one.
 */
const decoded = new WeakMap<Uint8Array, Decoded>();

/**
 * An update that cannot be decoded: the sender's fault, closed as malformed (4400), never as a failure of
 * the server's (1011), which providers retry for ever. A value nested a hundred thousand deep overflows
 * the stack of Yjs's reader, where checks outside a judgement's own guard read it.
 */
export class UnreadableUpdate extends Error {}

/**
 * The largest Yjs client id taken (2^53 − 1): Yjs draws 32-bit ids and y-crdt keeps to 53 bits. lib0 reads a
 * larger varUint as an imprecise float without complaint, so the id decoded is not the one sent, and from 2^63
 * on the database cannot keep its claim (client-id-store.ts) (docs/sync.md, "5. What you may write").
 */
export const MAX_CLIENT_ID = Number.MAX_SAFE_INTEGER;

/**
 * `found`, unless its structs or delete set name a client id past MAX_CLIENT_ID: malformed, and refused before
 * anything is judged, applied or claimed, since every path reads an update's client ids first (client-ids.ts).
 */
function withSafeClients(found: Decoded): Decoded {
  const unsafe = found.structs.find((s) => s.id.client > MAX_CLIENT_ID)?.id.client ?? [...found.ds.clients.keys()].find((c) => c > MAX_CLIENT_ID);
  if (unsafe !== undefined) throw new UnreadableUpdate(`malformed update (Yjs client id ${unsafe} is past ${MAX_CLIENT_ID})`);
  return found;
}

export function decodeUpdate(update: Uint8Array): Decoded {
  let found = decoded.get(update);
  if (!found) {
    try {
      found = Y.decodeUpdate(update);
    } catch (err) {
      throw new UnreadableUpdate(`malformed update (${(err as Error).message})`, { cause: err });
    }
    withSafeClients(found);
    decoded.set(update, found);
  }
  return found;
}

/** How long a slice of decoding runs before the turn is given back. */
const DECODE_SLICE_MS = 8;

/**
 * Decodes `update` a slice per turn, and keeps what it decoded for `decodeUpdate`: whoever reads it after
 * finds it decoded. Decoded whole, a 4 MB sync step 2 (3,500 comments written offline) held the loop
 * 230 ms in the turn that received it, most of it the garbage collection its strings and structs set off.
 * Yjs decodes a struct at a time here through `decodeUpdateSteps`, which this project's patch of yjs exports
 * (patches/).
 */
export async function decodeInTurns(update: Uint8Array, spent: (ms: number) => void = () => {}): Promise<void> {
  if (decoded.has(update)) return;
  function* reading(): Generator<void, Decoded, void> {
    const steps = Y.decodeUpdateSteps(update);
    const structs: Decoded["structs"] = [];
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return { structs, ds: step.value };
      structs.push(step.value);
      yield;
    }
  }
  let found: Decoded;
  try {
    found = await inSlices(reading(), DECODE_SLICE_MS, spent);
  } catch (err) {
    throw new UnreadableUpdate(`malformed update (${(err as Error).message})`, { cause: err });
  }
  decoded.set(update, withSafeClients(found));
}

export function forgetDecoded(update: Uint8Array): void {
  decoded.delete(update);
}

/** Per client id, a span of clocks: from the first to just past the last. */
export type ClientSpans = Map<number, [from: number, to: number]>;

/**
 * Per client, the clocks its structs among `structs` span that `counts` keeps, gaps between them included:
 * the one reading of per-client spans that client ids (`endClocks`), held updates joined (held-joins.ts) and
 * refused content (refused-structs.ts) share. Each decodes the update its own way, so it takes the structs.
 */
export function clientSpans(structs: Iterable<Struct>, counts: (struct: Struct) => boolean = () => true): ClientSpans {
  const spans: ClientSpans = new Map();
  for (const struct of structs) {
    if (!counts(struct)) continue;
    const { client, clock } = struct.id;
    const span = spans.get(client);
    if (!span) spans.set(client, [clock, clock + struct.length]);
    else {
      span[0] = Math.min(span[0], clock);
      span[1] = Math.max(span[1], clock + struct.length);
    }
  }
  return spans;
}

/** The clock just past each client's last struct in `update`: what Yjs's parseUpdateMeta calls `to`. */
export function endClocks(update: Uint8Array): Map<number, number> {
  const ends = new Map<number, number>();
  for (const [client, [, to]] of clientSpans(decodeUpdate(update).structs)) ends.set(client, to);
  return ends;
}

/**
 * Whether `update` is in Yjs's V1 encoding, the only one the protocol carries, as far as decoding can
 * tell: an update V1 reads as empty is two bytes. A V2 update begins with bytes V1 reads as "nothing",
 * and was acknowledged as saved, as a plain update and as a sync step 2, with nothing applied.
 */
export function readsAsV1(update: Uint8Array): boolean {
  if (update.length <= 2) return true;
  // V2 begins with a 0 (its feature flag), which V1 reads as "no structs": a count above 0 is V1's, known
  // without decoding the rest (which a large update has decoded in turns: `decodeInTurns`).
  if (decoding.readVarUint(decoding.createDecoder(update)) > 0) return true;
  const { structs, ds } = decodeUpdate(update);
  return structs.length > 0 || ds.clients.size > 0;
}

/** Why an update that does not read as V1 is refused. */
export const NOT_V1 = "an update not in Yjs's V1 encoding";
