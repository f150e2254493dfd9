/** Bytes one list of kept messages may hold: eight full frames. */
export const MAX_KEPT_BYTES = 8 * 1024 * 1024;

/**
 * Messages a connection keeps for later, in order: while it is admitted,
 * past its share of the event loop, while its document is busy
 * (connection.ts). Bounded in count and in bytes: frames run to 1 MiB, and a
 * document busy with one socket's large update keeps every other socket's
 * updates waiting.
 */
export class KeptMessages {
  private list: Uint8Array[] = [];
  private bytes = 0;

  constructor(private readonly maxCount: number) {}

  get length(): number {
    return this.list.length;
  }

  /** Keeps `message`; false once the list is past its bound (the connection then closes). */
  keep(message: Uint8Array): boolean {
    this.list.push(message);
    this.bytes += message.byteLength;
    return this.list.length <= this.maxCount && this.bytes <= MAX_KEPT_BYTES;
  }

  /** The oldest message, taken out. */
  next(): Uint8Array | undefined {
    const message = this.list.shift();
    if (message) this.bytes -= message.byteLength;
    return message;
  }

  /** Every message, in order, taken out. */
  takeAll(): Uint8Array[] {
    const all = this.list;
    this.list = [];
    this.bytes = 0;
    return all;
  }
}
