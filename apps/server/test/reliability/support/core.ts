import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_ACK, MESSAGE_AWARENESS, MESSAGE_SYNC } from "@marginalia/schema";
import type { Connection } from "../../../src/sync/connection/connection.ts";
import type { SyncHub } from "../../../src/sync/hub.ts";

/**
 * A socket-less connection to the sync core: `hub.connect` with a transport
 * that records what the server sends and how it closes.
 */
export type CoreSocket = {
  connection: Connection;
  sent: Uint8Array[];
  acks: number[];
  closed: { code: number; reason: string } | null;
  /** Resolves once the server has opened the document for it (its sync step 1), or closed it. */
  ready: Promise<void>;
  /** Resolves once it is closed. */
  done: Promise<{ code: number; reason: string }>;
};

export function connectCore(hub: SyncHub, room: string, token: string, acks = false): CoreSocket {
  let markReady!: () => void;
  let markDone!: (close: { code: number; reason: string }) => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const done = new Promise<{ code: number; reason: string }>((r) => (markDone = r));
  const socket: CoreSocket = { connection: null as unknown as Connection, sent: [], acks: [], closed: null, ready, done };
  socket.connection = hub.connect(
    {
      send(data) {
        socket.sent.push(data);
        if (data[0] === MESSAGE_ACK) {
          const decoder = decoding.createDecoder(data);
          decoding.readVarUint(decoder);
          socket.acks.push(decoding.readVarUint(decoder));
        }
        markReady();
      },
      close(code, reason) {
        socket.closed = { code, reason };
        markReady();
        markDone(socket.closed);
      },
    },
    // As a socket would present it (socket-auth.ts): an API token in the URL, a session as its cookie.
    { room, acks, ...(token.startsWith("mgt_") ? { token } : { sessionCookies: [token] }) },
  );
  return socket;
}

const frame = (write: (encoder: encoding.Encoder) => void) => {
  const encoder = encoding.createEncoder();
  write(encoder);
  return encoding.toUint8Array(encoder);
};

/** `[0, 0, stateVector]`: sync step 1. */
export const syncStep1 = (doc: Y.Doc) =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(e, doc);
  });

/** `[0, 1, update]`: sync step 2 carrying `update`. */
export const syncStep2 = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(e, update);
  });

/** `[0, 2, update]`: an incremental update. */
export const updateMessage = (update: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    syncProtocol.writeUpdate(e, update);
  });

/** `[1, awareness update]` for the given states of one awareness instance. */
export const awarenessFrame = (awareness: awarenessProtocol.Awareness, clients: number[]) =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  });

/** `[1, raw awareness payload]`: whatever bytes one wants inside an awareness message. */
export const rawAwarenessFrame = (payload: Uint8Array) =>
  frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, payload);
  });

/** Records each local update of `doc`, in order. */
export function recordUpdates(doc: Y.Doc): Uint8Array[] {
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  return updates;
}

/** `[1, awareness]`: the presence a y-websocket provider sends on connecting, naming its document's client id. */
export function presenceMessage(doc: Y.Doc): Uint8Array {
  const awareness = new awarenessProtocol.Awareness(doc);
  const message = frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
  });
  awareness.destroy();
  return message;
}
