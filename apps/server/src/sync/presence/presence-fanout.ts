import * as awarenessProtocol from "y-protocols/awareness";
import { awarenessUpdateMessage } from "../connection/messages.ts";
import { Pace } from "./pace.ts";

/**
 * The longest a presence change waits to go out. Changes within it are sent
 * together, each client's latest state once: a cursor shown 20 times a second
 * is smooth, and no sender can make the server send more than that.
 */
export const PRESENCE_WINDOW_MS = 50;

type Sinks = {
  /** The document's sockets, now. */
  peers(): Iterable<{ send(message: Uint8Array): void }>;
  /** Out to the other processes (document-relay.ts); not for what came from them, or expired here. */
  relay?(update: Uint8Array): void;
};

/**
 * Presence (awareness) changes fanned out to a document's sockets and relayed,
 * at most once per PRESENCE_WINDOW_MS: the first change at once, later ones
 * at the window's end.
 *
 * Sent one by one, a member flooding presence changes (each valid and small)
 * had every other socket receive each one, and a stock y-websocket provider
 * sends back every presence change it receives: the bystanders' echoes took
 * their own share of the server, and they were closed (4429, as it then was) for the
 * attacker's traffic; other sockets' round trips passed 200 ms.
 */
export class PresenceFanout {
  private readonly toPeers = new Set<number>();
  private readonly toRelay = new Set<number>();
  private readonly pace = new Pace(PRESENCE_WINDOW_MS, () => this.flush());

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly sinks: Sinks,
  ) {}

  changed(clients: readonly number[], relay: boolean) {
    for (const id of clients) {
      this.toPeers.add(id);
      if (relay && this.sinks.relay) this.toRelay.add(id);
    }
    if (this.pace.now()) this.flush();
  }

  stop() {
    this.pace.stop();
  }

  /** Sends what waits; false when nothing did. */
  private flush(): boolean {
    if (this.toPeers.size === 0 && this.toRelay.size === 0) return false;
    if (this.toRelay.size) {
      this.sinks.relay?.(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.toRelay]));
      this.toRelay.clear();
    }
    if (this.toPeers.size === 0) return true;
    const ids = [...this.toPeers];
    this.toPeers.clear();
    let message: Uint8Array | null = null;
    for (const peer of this.sinks.peers()) peer.send((message ??= awarenessUpdateMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids))));
    return true;
  }
}
