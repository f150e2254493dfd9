import * as Y from "yjs";
import { syncStep2Message, updateMessage } from "../connection/messages.ts";
import { yjsWorker } from "../persist/yjs-worker.ts";

/**
 * A document's state as loaded, until its Y.Doc is built (document.ts).
 * Building a large document (10,000 annotations: about 10 MB and over a
 * second of CPU) is the bulk of a cold load, and a joining client needs only
 * the bytes: its sync step 1 is answered from them (`step2For`), the
 * server's own step 1 from their state vector (`stateVector`). `tail` holds
 * the log rows written after a snapshot, merged (DocStore.load), kept apart
 * so that the snapshot is served as stored.
 */
export class ColdBytes {
  /** A new client's sync step 2: the whole state, framed once for every client that joins. */
  private step2: Uint8Array | null = null;
  /** The tail as an update message, likewise framed once. */
  private tailMessage: Uint8Array | null = null;
  private vector: Promise<Uint8Array> | null;

  constructor(
    /** The snapshot or merged state. Moved (not changed) when a new client's step 2 is framed around it. */
    public bytes: Uint8Array,
    readonly tail: Uint8Array | null,
    /** Free bytes before `bytes` in their buffer, where the step 2 is framed without a copy (messages.ts). */
    private readonly headroom: number,
    /** The state vector of `bytes` and `tail`, when stored with them. */
    stateVector: Uint8Array | null,
  ) {
    this.vector = stateVector ? Promise.resolve(stateVector) : null;
  }

  /**
   * The state vector, as stored with a verified snapshot, else read from the
   * bytes on the worker (a pass over every struct, which for a large
   * document is too long for the event loop), once per load.
   */
  stateVector(): Promise<Uint8Array> {
    const tail = this.tail;
    this.vector ??= yjsWorker.stateVector(this.bytes).then((sv) => (tail ? yjsWorker.stateVectorWithTail(sv, tail) : sv));
    return this.vector;
  }

  /**
   * The messages that answer the sync step 1 of a client with state vector
   * `sv`: all of the bytes for a new client, else their difference. All of
   * them is the same message for every new client, framed once (in place
   * when the load left room for it) and kept: as `bytes`' own storage, so
   * that it is not held twice. The tail goes first, as an update: the client
   * holds it pending until the step 2 brings what it builds on, and so is
   * whole when its provider calls itself synced.
   */
  step2For(sv: Uint8Array): Uint8Array[] {
    if (Y.decodeStateVector(sv).size > 0) {
      const tail = this.tail ? [updateMessage(Y.diffUpdate(this.tail, sv))] : [];
      return [...tail, syncStep2Message(Y.diffUpdate(this.bytes, sv))];
    }
    if (!this.step2) {
      const message = syncStep2Message(this.bytes, this.headroom);
      // Slices and a state vector under way keep reading the bytes they were given, still valid.
      this.bytes = message.subarray(message.byteLength - this.bytes.byteLength);
      this.step2 = message;
    }
    if (!this.tail) return [this.step2];
    this.tailMessage ??= updateMessage(this.tail);
    return [this.tailMessage, this.step2];
  }
}
