/*
 * The relay's frame (relay.ts, docs/architecture.md, "More than one process").
 *
 * Frame, one binary Redis message:
 *   byte 0       format version, 1
 *   byte 1       kind (FRAME below)
 *   bytes 2–17   the sender's process id: 16 random bytes, new at each start
 *   bytes 18–    payload
 *     update     a Yjs update (v1), already committed to Postgres by its sender
 *     awareness  a y-protocols awareness update, stamped with users by its sender
 *     hello      empty: "I have just subscribed; send me your presence"
 *     stale      empty: "I committed updates I could not publish; reload from Postgres"
 *     access     JSON of an AccessEvent (access.ts), on the one channel `<prefix>#access`,
 *                which every process subscribes to: sockets on any process follow
 *                membership, sessions and deletions. After a reconnect each process
 *                checks its sockets against Postgres, since events may have been missed.
 *     claim      a Yjs client id (varuint) and the member who wrote under it (varstring), or the nil
 *                UUID for a process's own id, sent before that server's first write under it:
 *                no socket on another process may then write or show presence under it
 *                (client-ids.ts). Claims are kept in Postgres too, read when a document loads or resyncs.
 *                An id only shown for presence is held through the awareness frames instead.
 *     notified   the accounts just sent notifications (committed), as JSON ids, on the one channel
 *                `<prefix>#notified`: their notification streams on every process read what is new.
 */

const VERSION = 1;
export const FRAME = { update: 0, awareness: 1, hello: 2, stale: 3, access: 4, claim: 5, notified: 6 } as const;
export type FrameKind = (typeof FRAME)[keyof typeof FRAME];
export const ID_BYTES = 16;
const HEADER_BYTES = 2 + ID_BYTES;

export function encodeFrame(kind: FrameKind, sender: Uint8Array, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  frame[0] = VERSION;
  frame[1] = kind;
  frame.set(sender, 2);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

export function decodeFrame(frame: Uint8Array): { kind: FrameKind; sender: Uint8Array; payload: Uint8Array } | null {
  if (frame.byteLength < HEADER_BYTES || frame[0] !== VERSION || frame[1]! > FRAME.notified) return null;
  return {
    kind: frame[1] as FrameKind,
    sender: frame.subarray(2, HEADER_BYTES),
    // A plain view, not a Buffer: Yjs wants Uint8Arrays.
    payload: new Uint8Array(frame.buffer, frame.byteOffset + HEADER_BYTES, frame.byteLength - HEADER_BYTES),
  };
}
