import { ackMessage } from "./messages.ts";

/** The longest a server-side close waits for the acks of updates taken before it. */
export const ACK_GRACE_MS = 2_000;

/**
 * A socket's acknowledgements (docs/sync.md, "Acknowledgements"): update n is acknowledged once it and every
 * update before it are durable, so an ack of n means the first n are all saved.
 */
export class Acks {
  private chain: Promise<void> = Promise.resolve();
  private received = 0;
  /** Set while a close waits for the acks it still owes. */
  private owedOnly = false;
  /** Set once an update was not stored: an ack after it would say that it was. */
  private broken = false;

  /** `to`: where acks go, null for a socket that did not ask for them (`acks=1`); `open`: whether it still is. */
  constructor(
    private readonly to: { send(message: Uint8Array): void } | null,
    private readonly open: () => boolean,
  ) {}

  /** The number of the update message just received, counting from 1. */
  next(): number {
    return ++this.received;
  }

  /** Acknowledges update `seq` once `durable` and every earlier one have settled; a refused one is never acknowledged, nor any after it. */
  after(seq: number, durable: Promise<void>) {
    const to = this.to;
    if (!to) return;
    const ack = () => {
      if (!this.broken && (this.open() || this.owedOnly)) to.send(ackMessage(seq));
    };
    this.chain = this.chain
      .then(() => durable)
      .then(ack, () => {
        this.broken = true;
      });
  }

  /**
   * Runs `close` once the acks owed are sent, or after ACK_GRACE_MS. Updates taken before a close are stored
   * or being stored: a client whose third update was refused could otherwise not tell that its first two were
   * saved.
   */
  closeAfterOwed(close: () => void) {
    if (!this.to) return close();
    this.owedOnly = true;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, ACK_GRACE_MS).unref());
    void Promise.race([this.chain, grace]).then(() => {
      this.owedOnly = false;
      close();
    });
  }
}
