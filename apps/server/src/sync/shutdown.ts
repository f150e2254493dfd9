import { ApiError, CLOSE_CODES } from "../errors.ts";
import type { Connection } from "./connection/connection.ts";
import type { Transport } from "./connection/transport.ts";
import type { GroupCommitter } from "./persist/persist.ts";
import { beforeDeadline, sleep } from "../deadline.ts";

/**
 * How long a shutdown waits for what was accepted to be written before it
 * closes the sockets anyway: long enough for a database that answers to
 * store it, so that the acks go out before the close; short enough that a
 * database that hangs does not keep clients on this process, sending what it
 * cannot store, for the whole grace period.
 */
export const FIRST_FLUSH_MS = 3_000;

/** After its close frame, how long a socket has to answer before the process may exit under it. */
const CLOSE_ANSWER_MS = 1_000;

/** A document load refused because the hub is shutting down and its database closing: a request is answered 503, a move left for later. */
export class ShuttingDown extends ApiError {
  override name = "ShuttingDown";
  constructor() {
    super("unavailable", "the server is shutting down; try again");
  }
}

/**
 * Tracks every socket until its close has gone out, so that a shutdown can
 * stop them all reading, and so that the process does not exit under a close
 * frame still waiting for the acks it follows (acks.ts): a client whose
 * connection is cut instead reads 1006, not 1001, and may not fail over at once.
 */
export class SocketsClosing {
  private readonly open = new Map<Promise<void>, Transport>();

  /** The transport as the hub hands it to its connection: its close is seen here. */
  watch(transport: Transport): Transport {
    // One that cannot say when it ended (a test's) has nothing to wait for: its close is sent when called.
    if (!transport.closed) return transport;
    let framed!: () => void;
    const frameSent = new Promise<void>((resolve) => (framed = resolve));
    // Done once the peer answered the close frame (the connection ended), or soon after the frame went out.
    const answered = frameSent.then(() => sleep(CLOSE_ANSWER_MS)).then(() => {});
    const done = Promise.race([transport.closed, answered]);
    this.open.set(done, transport);
    void done.then(() => this.open.delete(done));
    return {
      ...transport,
      close: (code, reason) => {
        transport.close(code, reason);
        framed();
      },
    };
  }

  stopReading() {
    for (const transport of this.open.values()) transport.stopReading?.();
  }

  /** Resolves once every socket watched has closed, or at `deadline`. */
  settled(deadline: number): Promise<boolean> {
    return beforeDeadline(Promise.all(this.open.keys()), deadline);
  }
}

export type Draining = {
  connections: ReadonlySet<Connection>;
  committer: Pick<GroupCommitter, "flush" | "close">;
  sockets: SocketsClosing;
  /** Work that writes through the committer and must end before it closes (the hidden moves: hiding.ts). */
  stopWriters: () => Promise<void>;
  /** Resolves once the HTTP requests being answered are: a REST write on a live document writes through the committer as a socket does. */
  requests?: () => Promise<void>;
  /** How long the sockets wait for a first flush (FIRST_FLUSH_MS). */
  firstFlushMs: number;
};

/**
 * The sockets' part of a shutdown (docs/architecture.md, "Shutdown"). Every
 * socket stops reading at once: nothing it sends from then on is taken, so it
 * stays unacknowledged, and the client sends it again where it reconnects.
 * Sockets whose clients had closed are still handling what they sent before
 * (connection.ts, "draining"), which no client will send again: they are
 * given the first flush's time to end. A first flush, of at most
 * `firstFlushMs`, lets the acks owed go out; then every socket closes with
 * 1001, whether or not the database answered, dropping what it still kept,
 * and the clients move to another process while this one goes on writing
 * what it accepted, and what the requests taken write, until `deadline`. A
 * large update a socket had begun to apply goes on to its last piece
 * (socket-updates.ts), before the committer closes. Returns what was not
 * written, per document.
 */
export async function drainSockets(d: Draining, deadline: number): Promise<Map<string, number>> {
  d.sockets.stopReading();
  const firstFlush = Math.min(deadline, Date.now() + d.firstFlushMs);
  const draining = [...d.connections].filter((connection) => connection.phase === "draining");
  if (draining.length) await beforeDeadline(Promise.all(draining.map((connection) => connection.settled())), firstFlush);
  await d.committer.flush(firstFlush);
  const connections = [...d.connections];
  for (const connection of connections) connection.close(CLOSE_CODES.goingAway, "server shutting down");
  const closed = d.sockets.settled(deadline);
  await beforeDeadline(Promise.all(connections.map((connection) => connection.settled())), deadline);
  await beforeDeadline(Promise.all([d.stopWriters(), d.requests?.()]), deadline);
  const unwritten = await d.committer.close(deadline);
  await closed;
  return unwritten;
}
