/**
 * What the sync core reports as it works, for metrics. The core calls these
 * and knows nothing of how they are counted (the app wires them to
 * prom-client, metrics.ts); by default nothing is counted.
 */
export type SyncObserver = {
  /** A socket closed by the server, with its close code (docs/sync.md, "Close codes"). */
  closed(code: number): void;
  /** An update authorized and applied: how long that took on the event loop. */
  applied(ms: number): void;
  /** Updates sent to a document's sockets: to how many, and how long after the first of them was applied. */
  broadcast(recipients: number, delayMs: number): void;
  /** One attempt at a group commit: how many updates, how long, and whether it was written. */
  committed(updates: number, ms: number, ok: boolean): void;
  /**
   * A socket's update refused, and its socket closed with `code`: judged at the socket before anything of it was
   * applied (`socket`), or applied and then refused by the group commit (`commit`: for its content or its writer's
   * member id, never for a stop or a reload: commit-errors.ts, `refusedByServer`).
   */
  refused(stage: "socket" | "commit", code: number): void;
  /**
   * A relay connection's heartbeat (redis-connection.ts): how long its PING took to be answered and read here.
   * On the subscriber, the answer comes after every message published before it, so this is how far behind
   * this process reads what the other processes relay.
   */
  relayLag(connection: "publisher" | "subscriber", ms: number): void;
};

export const NO_OBSERVER: SyncObserver = {
  closed() {},
  applied() {},
  broadcast() {},
  committed() {},
  refused() {},
  relayLag() {},
};
