import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_ACK, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_ROLE, MESSAGE_SYNC, type Role } from "@marginalia/schema";

/** The role a connection acts with, for clients that asked to be told (`?roles=1`). */
export function roleMessage(role: Role): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_ROLE);
  encoding.writeVarString(encoder, role);
  return encoding.toUint8Array(encoder);
}

/** The server's sync step 1: the client answers with what the server lacks (its offline work). */
export function syncStep1Message(stateVector: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1);
  encoding.writeVarUint8Array(encoder, stateVector);
  return encoding.toUint8Array(encoder);
}

/**
 * Free bytes a loaded state keeps before it in its buffer, so that its sync
 * step 2 is framed around it in place (`syncStep2Message`): the longest
 * prefix, two one-byte message types and a length of up to five bytes.
 */
export const STEP2_HEADROOM = 7;

/**
 * A sync step 2 carrying `update`, the answer to a client's step 1.
 * `headroom`: bytes before `update` in its buffer that are free to write (a
 * loaded state's, `STEP2_HEADROOM`); the message is then framed there, around
 * the update, instead of in a copy of it.
 */
export function syncStep2Message(update: Uint8Array, headroom = 0): Uint8Array {
  const head = encoding.createEncoder();
  encoding.writeVarUint(head, MESSAGE_SYNC);
  encoding.writeVarUint(head, syncProtocol.messageYjsSyncStep2);
  encoding.writeVarUint(head, update.byteLength);
  const prefix = encoding.toUint8Array(head);
  if (prefix.byteLength <= Math.min(headroom, update.byteOffset)) {
    const message = new Uint8Array(update.buffer, update.byteOffset - prefix.byteLength, prefix.byteLength + update.byteLength);
    message.set(prefix);
    return message;
  }
  // Sized once and copied once: a whole document's state is megabytes, which an encoder would copy
  // into its growing buffers and then again into one array.
  const message = new Uint8Array(prefix.byteLength + update.byteLength);
  message.set(prefix);
  message.set(update, prefix.byteLength);
  return message;
}

/** An update (sync message 2), as a peer's own edits are sent. */
export function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** The ack (message 100): the first `seq` update messages of this socket are all durable. */
export function ackMessage(seq: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_ACK);
  encoding.writeVarUint(encoder, seq);
  return encoding.toUint8Array(encoder);
}

/** An awareness message carrying the current states of `clients`. */
export function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  return awarenessUpdateMessage(awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
}

/** An awareness message carrying an encoded awareness update as it is. */
export function awarenessUpdateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** A sync step 2 or update: judging it needs the document (a step 1 is answered from the loaded bytes). */
export function needsDocument(data: Uint8Array): boolean {
  return data.length > 1 && data[0] === MESSAGE_SYNC && data[1] !== syncProtocol.messageYjsSyncStep1;
}

/**
 * A sync step 1 whose state vector names a client: a returning client's. A
 * new client's (no clients) frames as four bytes: the message type, the
 * step, the vector's length (1) and its count of clients (0).
 */
export function isStep1WithState(data: Uint8Array): boolean {
  return data.length > 4 && data[0] === MESSAGE_SYNC && data[1] === syncProtocol.messageYjsSyncStep1;
}

/** An update with no structs and no deletions, as Yjs encodes it: no clients, then an empty delete set. */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

/**
 * A sync step 1's state vector, read whole before it is answered: a large
 * document's answer is written in slices (sliced-encode.ts), and a vector that
 * did not read failed there, out of reach of the message's own refusal, and
 * left the socket open with no answer. Thrown here, it is a malformed message (4400).
 */
export function readStateVector(decoder: decoding.Decoder): Uint8Array {
  const stateVector = decoding.readVarUint8Array(decoder);
  Y.decodeStateVector(stateVector);
  return stateVector;
}

/**
 * Whether a message carries bytes after its end: y-websocket frames one message per websocket message, and
 * what follows was silently dropped (an awareness query after an update was never answered). Throws, as the
 * decoder does, on a message cut short.
 */
export function hasTrailingBytes(data: Uint8Array): boolean {
  const decoder = decoding.createDecoder(data);
  const type = decoding.readVarUint(decoder);
  if (type === MESSAGE_SYNC) {
    decoding.readVarUint(decoder);
    decoding.readVarUint8Array(decoder);
  } else if (type === MESSAGE_AWARENESS) decoding.readVarUint8Array(decoder);
  else if (type !== MESSAGE_QUERY_AWARENESS) return false; // refused as unknown anyway
  return decoding.hasContent(decoder);
}
