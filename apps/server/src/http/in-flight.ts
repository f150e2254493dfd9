import type { ServerResponse } from "node:http";
import net from "node:net";
import { CountToZero } from "../count-to-zero.ts";

/**
 * The HTTP requests being answered, so that a shutdown lets those it took finish before the database closes
 * under them (docs/architecture.md, "Shutdown"): closed first, the database failed them midway, and a write
 * that had been stored was answered 500. A request counts until its handler has returned its response
 * (`settled`), and its answer until its last byte is sent or its connection is gone (`sent`): a large export
 * going out to a slow client was cut in the middle by the exit, though its handler had long returned. A
 * notification stream is ended by the shutdown itself (notification-streams.ts).
 */
export class RequestsInFlight {
  private readonly answering = new CountToZero();
  private readonly sending = new CountToZero();
  /** The server's connections that are not websockets, and how many answers each is sending. */
  private readonly connections = new Map<net.Socket, number>();
  private stopped = false;

  /** Follows `server`'s connections, for `stopTaking`. */
  watch(server: net.Server) {
    server.on("connection", (socket: net.Socket) => {
      this.connections.set(socket, 0);
      socket.once("close", () => this.connections.delete(socket));
    });
    // A websocket's connection is the hub's to close, with 1001 (sync/shutdown.ts).
    server.on("upgrade", (_req: unknown, socket: net.Socket) => this.connections.delete(socket));
  }

  /**
   * Stops taking connections and requests: a connection with nothing being sent closes now, one sending an
   * answer once it is sent whole. Node's own close cannot be used for this: it also destroys every
   * connection whose answer has been ended, though not yet sent, and cut a large export going out to a slow
   * client a few megabytes in.
   */
  stopTaking(server: net.Server) {
    this.stopped = true;
    net.Server.prototype.close.call(server);
    for (const [socket, sending] of this.connections) if (sending === 0) socket.destroy();
  }

  /** `handle`, counted while it runs; its answer, while it is sent (when Node's response is its second argument, as @hono/node-server passes it). */
  track<A extends unknown[]>(handle: (...args: A) => Response | Promise<Response>): (...args: A) => Promise<Response> {
    return async (...args) => {
      this.watchSending(args[1]);
      return this.answering.during(() => handle(...args));
    };
  }

  private watchSending(env: unknown) {
    const outgoing = (env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (!outgoing || typeof outgoing.once !== "function" || outgoing.closed) return;
    this.sending.add();
    const socket = outgoing.socket ?? undefined;
    const onSocket = socket && this.connections.get(socket);
    if (socket && onSocket !== undefined) this.connections.set(socket, onSocket + 1);
    // Taken on a connection kept alive past the stop: the connection ends with its answer.
    if (this.stopped) outgoing.shouldKeepAlive = false;
    // "close" comes once the answer is sent whole, or its connection is gone, whichever is first.
    outgoing.once("close", () => {
      const left = socket && this.connections.get(socket);
      if (socket && left !== undefined) this.connections.set(socket, left - 1);
      // Its answer handed whole to the system: a connection kept alive past the stop ends after it, not with the next request.
      if (socket && left === 1 && this.stopped) socket.end();
      this.sending.done();
    });
  }

  get size(): number {
    return this.answering.size;
  }

  /** Answers not yet sent whole, their handlers' included. */
  get unsent(): number {
    return this.sending.size;
  }

  /** Resolves once no request is being answered. */
  settled(): Promise<void> {
    return this.answering.zero();
  }

  /** Resolves once every answer has been sent whole (or its client has gone). */
  sent(): Promise<void> {
    return this.sending.zero();
  }
}
