import { Redis } from "ioredis";
import type { Logger } from "../../logger.ts";

/*
 * One of the relay's two Redis connections (docs/architecture.md, "More than one process").
 *
 * A Redis that hangs (stopped, swapping, its host frozen) keeps its connections open and answers nothing:
 * to ioredis a hung connection is as ready as a healthy one. So each connection, a subscribed one too,
 * sends a PING every second, and one whose PING has gone unanswered for HUNG_AFTER_MS is cut. From there
 * it is a lost connection like any other: the relay counts as down, publishes are skipped (and the
 * documents they were for marked stale), and its return runs the same resync. (ioredis's own
 * `socketTimeout` is not used: its timer outlives the connection it was set for and can cut the next one.)
 */

export const HEARTBEAT_MS = 1_000;
export const HUNG_AFTER_MS = 3_000;

export function openRedisConnection(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    // Nothing queues in memory while Redis is away: what is missed is reloaded from Postgres instead.
    enableOfflineQueue: false,
    // Commands in flight when the connection went are not sent again on the next one: a subscriber that
    // comes back reloads its documents from Postgres anyway, and after a hang these could be thousands.
    autoResendUnfulfilledCommands: false,
    // Resubscribing is done by the relay, so that the resync can follow it.
    autoResubscribe: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
  });
}

/**
 * Cuts the connection once a PING it sent has gone unanswered for HUNG_AFTER_MS, with nothing else read from
 * it meanwhile; stops when the relay closes (`closing`), which may never see the connection's `end` (a
 * disconnect while ioredis waits to reconnect). Returns the timer.
 */
function heartbeat(client: Redis, closing: () => boolean, answered: (ms: number) => void) {
  let waiting: { stream: Redis["stream"]; sentAt: number; bytesRead: number } | null = null;
  const timer = setInterval(() => {
    if (closing()) {
      clearInterval(timer);
      return;
    }
    // A PING sent on a connection that has since gone may never settle: ioredis drops it unanswered.
    if (waiting && waiting.stream !== client.stream) waiting = null;
    if (waiting) {
      // A subscriber's PONG comes after the messages published before it: bytes still arriving are a Redis
      // that answers, only slower than this process reads (a hung one sends nothing).
      if (waiting.stream.bytesRead > waiting.bytesRead) {
        waiting.bytesRead = waiting.stream.bytesRead;
        waiting.sentAt = Date.now();
        return;
      }
      if (Date.now() - waiting.sentAt < HUNG_AFTER_MS) return;
      const { stream } = waiting;
      // Judged after this turn's I/O: an answer that waited behind a busy event loop is read first.
      setImmediate(() => {
        if (waiting?.stream === stream && client.stream === stream) stream.destroy(new Error(`Redis did not answer a PING in ${HUNG_AFTER_MS} ms`));
      });
      return;
    }
    if (client.status !== "ready") return;
    const ping = { stream: client.stream, sentAt: Date.now(), bytesRead: client.stream.bytesRead };
    const startedAt = performance.now();
    waiting = ping;
    client
      .ping()
      .then(
        () => answered(performance.now() - startedAt),
        () => {}, // a failed PING is the connection failing, seen and logged through its events
      )
      .finally(() => {
        if (waiting === ping) waiting = null;
      });
  }, HEARTBEAT_MS).unref();
  return timer;
}

/**
 * Watches a connection's health, and logs each change of its state once, not every failed attempt while Redis is
 * away; `answered` hears how long each heartbeat took (observer.ts, `relayLag`).
 */
export function watchConnection<Role extends string>(
  client: Redis,
  role: Role,
  logger: Logger,
  hooks: { closing: () => boolean; onReady: () => void; answered?: (role: Role, ms: number) => void },
) {
  let up = false;
  let lastError = "";
  const { closing, onReady, answered } = hooks;
  const beating = heartbeat(client, closing, (ms) => answered?.(role, ms));
  client.on("ready", () => {
    up = true;
    lastError = "";
    logger.info({ role }, "redis connected");
    onReady();
  });
  client.on("close", () => {
    if (up && !closing()) logger.warn({ role }, "redis connection lost; reconnecting");
    up = false;
  });
  client.on("error", (err: Error) => {
    if (err.message === lastError) return;
    lastError = err.message;
    logger.warn({ role, err: err.message }, "redis error");
  });
  client.on("end", () => {
    clearInterval(beating);
    logger.info({ role }, "redis connection closed");
  });
}

export async function quit(client: Redis) {
  if (client.status === "ready") {
    try {
      await client.quit();
      return;
    } catch {
      // The connection went while quitting: it is cut below either way.
    }
  }
  client.disconnect();
}
