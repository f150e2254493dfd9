import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";

/** One state of a y-protocols awareness update: the client id, its clock, and its state as JSON text. */
export type AwarenessEntry = [clientId: number, clock: number, json: string];

/** The entries of an awareness update: a count, then (client id, clock, JSON) for each. Throws on malformed bytes. */
export function readAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const entries: AwarenessEntry[] = [];
  for (let n = decoding.readVarUint(decoder); n > 0; n--) {
    entries.push([decoding.readVarUint(decoder), decoding.readVarUint(decoder), decoding.readVarString(decoder)]);
  }
  return entries;
}

/** An awareness update of these entries, in y-protocols' encoding. */
export function writeAwarenessEntries(entries: Iterable<AwarenessEntry>): Uint8Array {
  const list = [...entries];
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, list.length);
  for (const [clientId, clock, json] of list) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}
