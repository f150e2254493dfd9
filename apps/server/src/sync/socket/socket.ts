import type { UpgradeWebSocket } from "hono/ws";
import { Hono } from "hono";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";
import { readSessionCookies } from "../../auth/cookie.ts";
import type { AppEnv } from "../../context.ts";
import type { Connection } from "../connection/connection.ts";
import type { SyncHub } from "../hub.ts";
import { AccountBacklogs, sendWithBacklogLimit } from "./socket-backlog.ts";
import { FrameLimit, MAX_MESSAGE_BYTES, closeOversizeAs, wsFrameLimit } from "./frame-limit.ts";

// @hono/node-ws reports socket errors as an ErrorEvent, which Node 20 lacks.
const globals = globalThis as { ErrorEvent?: unknown };
globals.ErrorEvent ??= class ErrorEvent extends Event {
  readonly error: unknown;
  constructor(type: string, init: { error?: unknown } = {}) {
    super(type);
    this.error = init.error;
  }
};

export { MAX_MESSAGE_BYTES };

/** What the glue uses of the `ws` socket under Hono's wrapper. */
type RawSocket = {
  ping?(): void;
  pause?(): void;
  resume?(): void;
  terminate?(): void;
  on?(event: "pong", listener: () => void): void;
  /** What `ws` holds for the peer and has not yet handed to the network. */
  readonly bufferedAmount?: number;
  /** Whether the server stopped reading the socket (`pause`), pongs included. */
  readonly isPaused?: boolean;
};

/** After a close frame, how long a peer has to answer before its TCP connection is cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Closes with `code`, then cuts the TCP connection after CLOSE_GRACE_MS, for
 * peers that may never read the close frame: stuck halfway through a frame of
 * their own, or far behind on what we sent them.
 */
function closeAndCut(raw: RawSocket | undefined, close: (code: number, reason: string) => void, code: number, reason: string) {
  close(code, reason);
  setTimeout(() => raw?.terminate?.(), CLOSE_GRACE_MS).unref();
}

/**
 * Pings the peer every `intervalMs`; a peer that has not answered by the next
 * ping is closed with 4508. A frame whose header promises more bytes than ever
 * arrive leaves the socket waiting for the rest (nothing in it can be read, a
 * pong included), so this is also how a truncated or trickled frame ends: at
 * the heartbeat, never sooner. A message stands in for the pong only while
 * the server still holds unsent bytes for the peer: the ping then waits
 * behind them, and a peer slowly reading a large document is alive. With
 * nothing held, the ping has gone out, and a peer that goes on sending
 * without answering it is not reading at all (docs/sync.md, "Close codes").
 * While the server itself has stopped reading the socket (its account's work
 * waits to be stored, for as long as the database is away), no pong can be
 * read, and the peer is not judged.
 */
export function heartbeat(raw: RawSocket | undefined, intervalMs: number, close: (code: number, reason: string) => void) {
  let heard = true;
  let lastTick = Date.now();
  raw?.on?.("pong", () => (heard = true));
  const timeOut = () => {
    clearInterval(timer);
    closeAndCut(raw, close, SYNC_CLOSE_CODES.timeout, "no answer to ping");
  };
  const timer = setInterval(() => {
    const now = Date.now();
    // After the event loop was held up, the pong may be waiting unread: timers run before I/O in a turn.
    const stalled = now - lastTick > intervalMs * 1.5;
    lastTick = now;
    if (raw?.isPaused) {
      heard = true;
      return;
    }
    if (!heard && !stalled) {
      // Read what has arrived first: setImmediate runs after this turn's I/O.
      setImmediate(() => (heard ? ping() : timeOut()));
      return;
    }
    ping();
  }, intervalMs);
  const ping = () => {
    heard = false;
    raw?.ping?.();
  };
  timer.unref();
  return {
    sent: () => {
      if ((raw?.bufferedAmount ?? 0) > 0) heard = true;
    },
    stop: () => clearInterval(timer),
  };
}

export type SocketOptions = { heartbeatMs: number };

/**
 * The only websocket-specific code: it turns a socket's events into calls on
 * the transport-independent hub.
 */
export function syncRoutes(hub: SyncHub, upgradeWebSocket: UpgradeWebSocket, options: SocketOptions) {
  const widened = new Set<string>();
  const backlogs = new AccountBacklogs();
  return new Hono<AppEnv>().get(
    "/sync/:room",
    upgradeWebSocket((c) => {
      const request = {
        room: c.req.param("room") ?? "",
        token: c.req.query("token"),
        sessionCookies: readSessionCookies(c),
        origin: c.req.header("origin"),
        acks: c.req.query("acks") === "1",
        roles: c.req.query("roles") === "1",
      };
      let connection: Connection | null = null;
      let alive: ReturnType<typeof heartbeat> | null = null;
      let frames: FrameLimit | null = null;
      let ended!: () => void;
      const closed = new Promise<void>((resolve) => (ended = resolve));
      let reading = true;
      return {
        onOpen(_event, ws) {
          const raw = ws.raw as RawSocket | undefined;
          const close = (code: number, reason: string) => {
            if (connection) connection.close(code, reason);
            else ws.close(code, reason);
          };
          alive = heartbeat(raw, options.heartbeatMs, close);
          const fellBehind = (unsent: number) =>
            closeAndCut(raw, close, SYNC_CLOSE_CODES.backlog, `fell behind: ${Math.round(unsent / 2 ** 20)} MiB unsent`);
          const accountOf = () => connection?.account ?? null;
          const limit = new FrameLimit(widened, wsFrameLimit(raw), accountOf, () =>
            closeAndCut(raw, close, SYNC_CLOSE_CODES.timeout, "a large message that did not arrive in time"),
          );
          frames = limit;
          closeOversizeAs(raw, (messageBytes) => limit.refusal(messageBytes), (code) => hub.closedBySocket(code));
          const { send, reserve } = sendWithBacklogLimit(ws, fellBehind, { backlogs, name: accountOf });
          connection = hub.connect(
            {
              send: (data) => {
                frames?.sent(data);
                send(data);
              },
              close: (code, reason) => {
                // Read again, if a shutdown stopped it: the peer's answer to the close frame then ends the
                // connection at once, and no unread bytes turn the process's exit into a reset.
                raw?.resume?.();
                ws.close(code, reason);
              },
              closed,
              reserve,
              // ws stops reading the TCP socket, so a client sending faster than it is served waits in its own buffers.
              pause: () => raw?.pause?.(),
              resume: () => reading && raw?.resume?.(),
              stopReading: () => {
                reading = false;
                raw?.pause?.();
              },
            },
            request,
          );
        },
        onMessage(event, ws) {
          // Shutting down: what was read before the pause is dropped unacknowledged, and sent again elsewhere.
          if (!reading) return;
          alive?.sent();
          if (!(event.data instanceof ArrayBuffer)) {
            ws.close(SYNC_CLOSE_CODES.badMessage, "binary messages only");
            return;
          }
          const data = new Uint8Array(event.data);
          if (frames && !frames.received(data)) {
            (connection ?? ws).close(SYNC_CLOSE_CODES.largeRetry, "only the answer to the server's sync step 1 may pass 1 MiB");
            return;
          }
          connection?.receive(data);
        },
        onClose() {
          ended();
          alive?.stop();
          frames?.release();
          connection?.transportClosed();
        },
        onError() {
          ended();
          alive?.stop();
          frames?.release();
          connection?.transportClosed();
        },
      };
    }),
  );
}
