import * as Y from "yjs";
import { updateMessage } from "../connection/messages.ts";

/** A peer that receives a document's broadcasts. */
export type Peer = { send(message: Uint8Array): void };

type Pending = { update: Uint8Array; from: Peer | null };

/**
 * Sockets spared their own updates in one flush, at most: each costs a merge of
 * the rest of the batch, so many writers in one turn (a burst after a restart,
 * a flood) would make the flush quadratic. Past these, writers get the whole
 * merge, their own updates included, which Yjs applies as a no-op.
 */
const MAX_SPARED = 8;

/**
 * A document's outgoing updates, sent once per event-loop turn
 * (docs/sync.md, "Fan-out", under "Messages"). Every write to a socket is a system call, and
 * with many sockets on a document those calls are most of the server's
 * work: updates applied in the same turn go out as one sync update message,
 * their Y.mergeUpdates, encoded once and sent as the same bytes to every
 * socket that made none of them. A socket that made some gets the merge of
 * the others only (one per such socket; writers are few, see MAX_SPARED),
 * and nothing when the batch was all its own: it has its changes already.
 *
 * The flush is a setImmediate, not a microtask: a microtask runs after each
 * socket's read callback, so it would batch one socket's messages only,
 * while the check phase comes once the turn has read every socket that had
 * data. It adds no wait beyond that turn, and no timer.
 */
export class Fanout {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Holds under way (`holdUntil`): nothing is sent while one lasts. */
  private holds = 0;
  private firstAt = 0;

  constructor(
    private readonly peers: ReadonlySet<Peer>,
    /** Told after each flush: how many sockets got a message, and how long after the first update was queued. */
    private readonly sent: (recipients: number, delayMs: number) => void = () => {},
  ) {}

  /** `from`: the socket the update came from, which needs no echo of it; null for the server's own changes and other processes'. */
  queue(update: Uint8Array, from: Peer | null) {
    if (this.pending.length === 0) this.firstAt = performance.now();
    this.pending.push({ update, from });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /**
   * Sends nothing until `until` settles, then everything queued meanwhile, in order: for an update that
   * must not reach sockets before a later one does (document.ts, the server's changes not stored yet).
   */
  holdUntil(until: Promise<void>) {
    this.holds++;
    void until.finally(() => {
      this.holds--;
      if (this.holds === 0 && this.pending.length > 0 && !this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private flush = () => {
    this.scheduled = false;
    if (this.holds > 0) return; // sent when the last hold ends
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 || this.peers.size === 0) return;
    const origins = new Set<Peer | null>();
    for (const p of batch) if (p.from && origins.size < MAX_SPARED) origins.add(p.from);
    let everything: Uint8Array | undefined;
    /** Per socket that made some of the batch: the rest of it, or null when there is no rest. */
    const without = new Map<Peer, Uint8Array | null>();
    let recipients = 0;
    for (const peer of this.peers) {
      let message: Uint8Array | null;
      if (!origins.has(peer)) message = everything ??= batchMessage(batch);
      else if (without.has(peer)) message = without.get(peer)!;
      else {
        const others = batch.filter((p) => p.from !== peer);
        message = others.length ? batchMessage(others) : null;
        without.set(peer, message);
      }
      if (!message) continue;
      peer.send(message);
      recipients++;
    }
    this.sent(recipients, performance.now() - this.firstAt);
  };
}

/** One y-websocket sync update message carrying all of `batch`. */
function batchMessage(batch: Pending[]): Uint8Array {
  return updateMessage(batch.length === 1 ? batch[0]!.update : Y.mergeUpdates(batch.map((p) => p.update)));
}
