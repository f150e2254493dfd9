import type { UpgradeWebSocket } from "hono/ws";
import { Hono } from "hono";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";
import { readSessionCookie } from "../auth/cookie.ts";
import type { AppEnv } from "../context.ts";
import type { Connection } from "./connection.ts";
import type { SyncHub } from "./hub.ts";

// @hono/node-ws reports socket errors as an ErrorEvent, which Node 20 lacks.
const globals = globalThis as { ErrorEvent?: unknown };
globals.ErrorEvent ??= class ErrorEvent extends Event {
  readonly error: unknown;
  constructor(type: string, init: { error?: unknown } = {}) {
    super(type);
    this.error = init.error;
  }
};

/** Websocket messages above this are refused with 1009 by the socket itself. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Resolves once the socket has handed what it was given to the kernel (or
 * after two seconds, for a peer that reads slowly): `ws` keeps what the
 * kernel would not take yet, and writes it only while the event loop runs.
 */
function drained(raw: { bufferedAmount?: number } | undefined): Promise<void> {
  return new Promise((resolve) => {
    const check = (tries: number) => {
      if (!raw?.bufferedAmount || tries >= 400) resolve();
      else setTimeout(check, 5, tries + 1);
    };
    check(0);
  });
}

/**
 * The only websocket-specific code: it turns a socket's events into calls on
 * the transport-independent hub.
 */
export function syncRoutes(hub: SyncHub, upgradeWebSocket: UpgradeWebSocket) {
  return new Hono<AppEnv>().get(
    "/sync/:room",
    upgradeWebSocket((c) => {
      const request = {
        room: c.req.param("room") ?? "",
        token: c.req.query("token"),
        sessionCookie: readSessionCookie(c),
        origin: c.req.header("origin"),
        acks: c.req.query("acks") === "1",
      };
      let connection: Connection | null = null;
      return {
        onOpen(_event, ws) {
          connection = hub.connect(
            {
              send: (data) => ws.send(data as Uint8Array<ArrayBuffer>),
              close: (code, reason) => ws.close(code, reason),
              drained: () => drained(ws.raw as { bufferedAmount?: number } | undefined),
            },
            request,
          );
        },
        onMessage(event, ws) {
          if (!(event.data instanceof ArrayBuffer)) {
            ws.close(SYNC_CLOSE_CODES.badMessage, "binary messages only");
            return;
          }
          connection?.receive(new Uint8Array(event.data));
        },
        onClose() {
          connection?.transportClosed();
        },
        onError() {
          connection?.transportClosed();
        },
      };
    }),
  );
}
