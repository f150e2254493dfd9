import * as decoding from "lib0/decoding";
import { MESSAGE_SYNC } from "@marginalia/schema";

// y-protocols' sync steps: 0 = step 1 (a state vector), 1 = step 2, 2 = update.
const STEP_2 = 1;
const UPDATE = 2;

/** Does this outgoing message carry an update the server will count (docs/sync.md, "Acknowledgements")? */
export function isUpdateBearing(message: Uint8Array): boolean {
  try {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return false;
    const step = decoding.readVarUint(decoder);
    return step === STEP_2 || step === UPDATE;
  } catch {
    return false;
  }
}

/**
 * Does this update-bearing message carry anything? A sync step 2 answering a server that already has
 * everything holds the empty update (no structs, no deletions: two zero bytes); the server counts it all
 * the same, but there is nothing in it to be saved.
 */
function carriesContent(message: Uint8Array): boolean {
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const update = decoding.readVarUint8Array(decoder);
    return !(update.length === 2 && update[0] === 0 && update[1] === 0);
  } catch {
    return true;
  }
}

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
    if (!isUpdateBearing(message)) return;
    this.sent++;
    if (carriesContent(message)) this.needed = this.sent;
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
