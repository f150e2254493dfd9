/** Bytes one connection's lists of kept messages may hold together: eight full frames. */
export const MAX_KEPT_BYTES = 8 * 1024 * 1024;

/**
 * Past either mark, a list asks its socket to stop reading (TCP then holds
 * the rest in the client's buffers), and once it is back under a quarter of
 * both, to read again. A stock provider making a few thousand comments in a
 * loop, one transaction each, sends them faster than a socket's share of the
 * server takes them; without a pause they ran past the list's bound and the
 * socket was closed.
 */
const PAUSE_AT_COUNT = 256;
const PAUSE_AT_BYTES = 1024 * 1024;

/** How a socket's reading is paused and resumed, where its transport can (docs/sync.md, section on limits). */
export type Intake = { pause(): void; resume(): void };

/**
 * One connection's intake: paused while any of its kept lists is past its
 * mark. A pause does not stop at once: messages already read still arrive,
 * which the lists' own bounds cover.
 */
export class IntakeGate {
  private readonly full = new Set<KeptMessages>();
  /**
   * Bytes kept in all the connection's lists: a message handed from one list to the next (past the loop
   * share, then waiting for a busy document) let a socket keep twice MAX_KEPT_BYTES.
   */
  private bytes = 0;

  constructor(private readonly intake: Intake | undefined) {}

  /** Whether any of the connection's lists keeps a message, or its reading is paused with more behind it. */
  get backlogged(): boolean {
    return this.bytes > 0 || this.full.size > 0;
  }

  /** Counts bytes kept (or, negative, let go) by one of the lists; whether all of them are within MAX_KEPT_BYTES. */
  count(bytes: number): boolean {
    this.bytes += bytes;
    return this.bytes <= MAX_KEPT_BYTES;
  }

  /** Called by a list as it fills and empties. */
  update(list: KeptMessages, full: boolean, roomy: boolean) {
    if (full && !this.full.has(list)) {
      this.full.add(list);
      if (this.full.size === 1) this.intake?.pause();
    } else if (roomy && this.full.delete(list) && this.full.size === 0) {
      this.intake?.resume();
    }
  }
}

/**
 * Messages a connection keeps for later, in order: while it is admitted,
 * past its share of the event loop, while its document is busy
 * (connection.ts). Bounded in count and in bytes: frames run to 1 MiB, and a
 * document busy with one socket's large update keeps every other socket's
 * updates waiting. Well before the bound, the socket stops reading (IntakeGate).
 */
export class KeptMessages {
  private list: Uint8Array[] = [];
  private bytes = 0;

  constructor(
    private readonly maxCount: number,
    private readonly gate: IntakeGate = new IntakeGate(undefined),
  ) {}

  get length(): number {
    return this.list.length;
  }

  /** Keeps `message`; false once the list is past its bound (the connection then closes). */
  keep(message: Uint8Array): boolean {
    this.list.push(message);
    this.bytes += message.byteLength;
    const within = this.gate.count(message.byteLength);
    this.changed();
    return this.list.length <= this.maxCount && within;
  }

  /** The oldest message, taken out. */
  next(): Uint8Array | undefined {
    const message = this.list.shift();
    if (message) {
      this.bytes -= message.byteLength;
      this.gate.count(-message.byteLength);
    }
    this.changed();
    return message;
  }

  /** Every message, in order, taken out. */
  takeAll(): Uint8Array[] {
    const all = this.list;
    this.list = [];
    this.gate.count(-this.bytes);
    this.bytes = 0;
    this.changed();
    return all;
  }

  private changed() {
    const count = this.list.length;
    this.gate.update(this, count > PAUSE_AT_COUNT || this.bytes > PAUSE_AT_BYTES, count <= PAUSE_AT_COUNT / 4 && this.bytes <= PAUSE_AT_BYTES / 4);
  }
}
