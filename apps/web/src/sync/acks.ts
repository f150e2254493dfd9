import * as decoding from "lib0/decoding";
import { MESSAGE_SYNC } from "@marginalia/schema";

// y-protocols' sync steps: 0 = step 1 (a state vector), 1 = step 2, 2 = update.
const STEP_2 = 1;
const UPDATE = 2;

/**
 * What an outgoing message carries, read once: `none` for what the server does not count (a step 1,
 * awareness), `empty` for a counted message holding the empty update (no structs, no deletions: two zero
 * bytes; a sync step 2 answering a server that already has everything), `content` for the rest.
 */
function carried(message: Uint8Array): "none" | "empty" | "content" {
  const decoder = decoding.createDecoder(message);
  try {
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return "none";
    const step = decoding.readVarUint(decoder);
    if (step !== STEP_2 && step !== UPDATE) return "none";
  } catch {
    return "none";
  }
  try {
    const update = decoding.readVarUint8Array(decoder);
    return update.length === 2 && update[0] === 0 && update[1] === 0 ? "empty" : "content";
  } catch {
    // Counted by the server all the same: what cannot be read here is not known to be empty.
    return "content";
  }
}

/** Does this outgoing message carry an update the server will count (docs/sync.md, "Acknowledgements")? */
export const isUpdateBearing = (message: Uint8Array): boolean => carried(message) !== "none";

/**
 * Follows durability for one document. The server counts the update-bearing
 * messages of each connection and acks `n` once the first n are committed; we
 * count what we send and compare. Local edits made while no socket is open are
 * not counted anywhere yet, so they keep the mark at "unsaved" until the
 * next connection's sync step 2 carries them.
 */
export class AckTracker {
  private sent = 0;
  private acked = 0;
  /** The count of the last message sent that carried something: what must be acked for "saved". */
  private needed = 0;
  private unsentEdits = false;

  /** A new socket: the server's count starts again at 1. */
  connectionOpened() {
    this.sent = 0;
    this.acked = 0;
    this.needed = 0;
  }

  messageSent(message: Uint8Array) {
    const what = carried(message);
    if (what === "none") return;
    this.sent++;
    if (what === "content") this.needed = this.sent;
    // A step 2 carries everything the server lacks, edits made offline included.
    this.unsentEdits = false;
  }

  ackReceived(n: number) {
    this.acked = Math.max(this.acked, n);
  }

  /** A local edit; `connected` says whether it went out on a socket at once. */
  localEdit(connected: boolean) {
    if (!connected) this.unsentEdits = true;
  }

  get saved(): boolean {
    return !this.unsentEdits && this.acked >= this.needed;
  }

  get pending(): number {
    return this.sent - this.acked;
  }
}
