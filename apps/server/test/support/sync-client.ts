import * as decoding from "lib0/decoding";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { MESSAGE_ACK, MESSAGE_ROLE } from "@marginalia/schema";
import { socketAuth } from "./socket-auth.ts";

// Each provider adds a process exit listener in Node; tests open dozens.
process.setMaxListeners(100);

export type SyncClient = {
  doc: Y.Doc;
  provider: WebsocketProvider;
  closes: Array<{ code: number; reason: string }>;
  acks: number[];
  /** The roles the server told it of (`roles`: at open and on every change). */
  roles: string[];
  synced: Promise<void>;
  destroy(): void;
};

/**
 * A real y-websocket provider in Node, as a third-party client would run it.
 * It does not reconnect after the server closes it, so that tests can read
 * the close code.
 */
export function openSyncClient(
  baseUrl: string,
  room: string,
  token: string,
  options: { acks?: boolean; roles?: boolean; doc?: Y.Doc; reconnect?: boolean } = {},
): SyncClient {
  const doc = options.doc ?? new Y.Doc();
  const auth = socketAuth(token);
  class AuthenticatedSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: auth.headers });
    }
  }
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, "ws")}/sync`, room, doc, {
    WebSocketPolyfill: AuthenticatedSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: { ...auth.params, ...(options.acks && { acks: "1" }), ...(options.roles && { roles: "1" }) },
  });
  const closes: SyncClient["closes"] = [];
  const acks: number[] = [];
  const roles: string[] = [];
  provider.messageHandlers[MESSAGE_ACK] = (_encoder, decoder: decoding.Decoder) => {
    acks.push(decoding.readVarUint(decoder));
  };
  provider.messageHandlers[MESSAGE_ROLE] = (_encoder, decoder: decoding.Decoder) => {
    roles.push(decoding.readVarString(decoder));
  };
  provider.on("connection-close", (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
    if (!options.reconnect && event && event.code >= 4000) provider.shouldConnect = false;
  });
  const synced = new Promise<void>((resolve) => {
    const onSync = (isSynced: boolean) => {
      if (!isSynced) return;
      provider.off("sync", onSync);
      resolve();
    };
    provider.on("sync", onSync);
  });
  return {
    doc,
    provider,
    closes,
    acks,
    roles,
    synced,
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls until `check` stops throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 1_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
