import * as syncProtocol from "y-protocols/sync";
import { MESSAGE_SYNC } from "@marginalia/schema";

/** Websocket messages above this are refused by the socket itself, before they are buffered (4413: `closeOversizeAs`). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * The largest answer to the server's sync step 1. A provider sends all the
 * work the server lacks in that one message, so a client that made more than
 * a megabyte offline (about 2,000 annotations, or a script cut off partway)
 * would otherwise be closed on every reconnect, for ever.
 */
export const MAX_STEP2_BYTES = 4 * 1024 * 1024;

/**
 * Sockets widened at once across the process: an account holds at most one, and this bounds what many
 * accounts together may hold in frames being received (64 MiB). A socket refused the wider frame because
 * all are taken is closed with 4513 if its answer passes 1 MiB, and gets one on a later reconnect.
 */
export const MAX_WIDENED_AT_ONCE = 16;

/**
 * How long a socket stays widened without answering. A provider answers the server's step 1 at once; a
 * client that never does would otherwise keep its account's wider frame, and one of the process's
 * MAX_WIDENED_AT_ONCE, for as long as it stays connected. ws reads the limit at each frame's header, so an
 * answer already arriving when this passes is still taken.
 */
export const WIDENED_FOR_MS = 30_000;

const isSyncStep = (data: Uint8Array, step: number) => data.length >= 2 && data[0] === MESSAGE_SYNC && data[1] === step;

/**
 * One socket's frame limit (docs/sync.md, "Large updates"): MAX_MESSAGE_BYTES,
 * widened to MAX_STEP2_BYTES from the server's sync step 1 until the client's
 * step 2 arrives or WIDENED_FOR_MS pass. Only one socket per account is
 * widened at a time, and MAX_WIDENED_AT_ONCE in the process (`widened`,
 * shared by the server's sockets), so an account's sockets together hold at
 * most one large frame more than they could before.
 */
export class FrameLimit {
  private holder: string | null = null;
  private expiry: NodeJS.Timeout | null = null;
  /** Widened, and the client's step 2 has not come yet. */
  private awaitingAnswer = false;

  constructor(
    private readonly widened: Set<string>,
    /** Sets the transport's own limit, which refuses a larger frame before it is buffered. */
    private readonly setLimit: (bytes: number) => void,
  ) {}

  /** Every message the server sends goes past this; `account` names the socket's once it is open. */
  sent(data: Uint8Array, account: () => string | null) {
    // Every broadcast passes here: two bytes decide it for all but the server's step 1.
    if (this.holder !== null || !isSyncStep(data, syncProtocol.messageYjsSyncStep1)) return;
    const who = account();
    if (who === null || this.widened.has(who) || this.widened.size >= MAX_WIDENED_AT_ONCE) return;
    this.widened.add(who);
    this.holder = who;
    this.awaitingAnswer = true;
    this.setLimit(MAX_STEP2_BYTES);
    this.expiry = setTimeout(() => this.narrow(), WIDENED_FOR_MS);
    this.expiry.unref();
  }

  /** Whether a received message is within its limit: a large one only as the awaited step 2. */
  received(data: Uint8Array): boolean {
    const answer = isSyncStep(data, syncProtocol.messageYjsSyncStep2);
    // Still awaited after WIDENED_FOR_MS: an answer whose frame began before then was let in by ws.
    const withinLimit = data.length <= MAX_MESSAGE_BYTES || (answer && this.awaitingAnswer);
    if (answer) {
      this.awaitingAnswer = false;
      this.narrow();
    }
    return withinLimit;
  }

  /** Back to MAX_MESSAGE_BYTES, giving up the account's and the process's slot; also when the socket closes. */
  narrow() {
    if (this.holder === null) return;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.widened.delete(this.holder);
    this.holder = null;
    this.setLimit(MAX_MESSAGE_BYTES);
  }
}

/** The `ws` socket's receiver, whose limit is read for each frame header (ws/lib/receiver.js). */
type WithReceiver = { _receiver?: { _maxPayload?: number; _totalPayloadLength?: number } };

/**
 * Sets a `ws` socket's frame limit. ws takes one limit for all its sockets and
 * has no setter for one; the receiver reads this field for every frame, and a
 * test (sync-limits.test.ts) fails if a new ws stops doing so.
 */
export function wsFrameLimit(raw: unknown): (bytes: number) => void {
  return (bytes) => {
    const receiver = (raw as WithReceiver | undefined)?._receiver;
    if (receiver && typeof receiver._maxPayload === "number") receiver._maxPayload = bytes;
  };
}

/**
 * Has a `ws` socket close a frame over its limit with `code` instead of 1009. ws closes such a frame by
 * itself (its receiver calls the socket's `close` with 1009), and y-websocket's provider retries every close
 * outside 4400–4499: a client with more offline work than a frame holds sent it again, several times a second,
 * for ever. The server's own refusals are in 4400–4499 too.
 */
export function closeOversizeAs(raw: unknown, codes: { permanent: number; retry: number }) {
  const socket = raw as ({ close?: (code?: number, reason?: string) => void } & WithReceiver) | undefined;
  const close = socket?.close?.bind(socket);
  if (!socket || !close) return;
  socket.close = (closing, reason) => {
    if (closing !== 1009) return close(closing, reason);
    // Within MAX_STEP2_BYTES it gets through on a reconnect, as the answer to the server's step 1; past it, never.
    const length = socket._receiver?._totalPayloadLength ?? Number.POSITIVE_INFINITY;
    if (length > MAX_STEP2_BYTES) close(codes.permanent, `a message over ${MAX_STEP2_BYTES / 2 ** 20} MiB`);
    else close(codes.retry, "over 1 MiB: send it as the answer to the server's sync step 1");
  };
}
