import * as syncProtocol from "y-protocols/sync";
import { MESSAGE_SYNC } from "@marginalia/schema";
import { CLOSE_CODES } from "../../errors.ts";

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
 * Large answers being received at once across the process: an account has at most one, and this bounds what
 * many accounts together may hold in frames being received (64 MiB). A socket whose large answer finds them all
 * taken is closed with 4513 and gets through on a later reconnect.
 */
export const MAX_WIDENED_AT_ONCE = 16;

/**
 * How long after the server's step 1 a socket may begin a large answer. A provider answers at once; ws reads
 * the limit at each frame's header, so an answer whose frame began in time is taken whole however long its
 * bytes take to arrive.
 */
export const WIDENED_FOR_MS = 30_000;

/**
 * How long a large answer may take to arrive once its room is claimed. A frame sent in fragments keeps its
 * socket answering pings between them, so the heartbeat never ended one that was never finished: 16 accounts
 * each holding a first fragment kept every other large answer out for as long as they liked.
 */
export const LARGE_ANSWER_MS = 30_000;

/**
 * How long a socket refused a large answer for want of room waits before it is closed (4513). A provider
 * resets its backoff once it has the server's step 2, which comes before its own large answer, so it came
 * back every 200 ms, sending its megabytes each time, for as long as the room was taken.
 */
export const RETRY_CLOSE_DELAY_MS = 3_000;

const isSyncStep = (data: Uint8Array, step: number) => data.length >= 2 && data[0] === MESSAGE_SYNC && data[1] === step;

/**
 * One socket's frame limit (docs/sync.md, "Large updates"): MAX_MESSAGE_BYTES, and MAX_STEP2_BYTES for the
 * client's answer to the server's step 1 when it begins within WIDENED_FOR_MS of it. Room for a large answer is
 * claimed as its frame's header arrives (`limitOf`, which the transport asks at each header) and given back
 * once the message is in or the socket closes: one per account and MAX_WIDENED_AT_ONCE in the process
 * (`widened`, shared by the server's sockets). Claimed at the step 1 instead, each slot was held by every socket
 * that had not answered yet, and 16 accounts holding silent sockets kept every other large answer out.
 */
export class FrameLimit {
  private holder: string | null = null;
  /** A large answer came while every room it could have was taken (the case RETRY_CLOSE_DELAY_MS is for). */
  private refusedForRoom = false;
  private deadline: NodeJS.Timeout | null = null;
  /** Until when a large answer may begin: set by the server's step 1, over once the answer comes. */
  private answerBy = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly widened: Set<string>,
    /** Has the transport ask `limitOf` for each frame's header, before the frame is buffered. */
    install: (limitOf: (messageBytes: number) => number) => void,
    /** The socket's account, once it is open. */
    private readonly account: () => string | null,
    /** Closes the socket whose large answer did not arrive within LARGE_ANSWER_MS; its room is given back first. */
    private readonly tooSlow: () => void = () => {},
  ) {
    install((messageBytes) => this.limitOf(messageBytes));
  }

  /** Every message the server sends goes past this. */
  sent(data: Uint8Array) {
    // Every broadcast passes here: two bytes decide it for all but the server's step 1.
    if (isSyncStep(data, syncProtocol.messageYjsSyncStep1)) this.answerBy = performance.now() + WIDENED_FOR_MS;
  }

  /** The limit for a message of `messageBytes` so far, claiming room for a large answer when it may be one. */
  limitOf(messageBytes: number): number {
    if (this.holder !== null) return MAX_STEP2_BYTES;
    if (messageBytes <= MAX_MESSAGE_BYTES) return MAX_MESSAGE_BYTES;
    const who = this.account();
    if (performance.now() > this.answerBy || who === null) return MAX_MESSAGE_BYTES;
    if (this.widened.has(who) || this.widened.size >= MAX_WIDENED_AT_ONCE) {
      this.refusedForRoom = true;
      return MAX_MESSAGE_BYTES;
    }
    this.widened.add(who);
    this.holder = who;
    this.deadline = setTimeout(() => {
      this.release();
      this.tooSlow();
    }, LARGE_ANSWER_MS);
    this.deadline.unref();
    return MAX_STEP2_BYTES;
  }

  /** Whether a received message is within its limit: a large one only as the answer its room was claimed for. */
  received(data: Uint8Array): boolean {
    const answer = isSyncStep(data, syncProtocol.messageYjsSyncStep2);
    const withinLimit = data.length <= MAX_MESSAGE_BYTES || (answer && this.holder !== null);
    if (answer) this.answerBy = Number.NEGATIVE_INFINITY;
    if (data.length > MAX_MESSAGE_BYTES) this.release();
    return withinLimit;
  }

  /**
   * How a message of `messageBytes` that the transport refused as over its limit is closed: past
   * MAX_STEP2_BYTES for good (4413); else 4513, which gets through as a later answer, RETRY_CLOSE_DELAY_MS
   * later when it was refused for want of room.
   */
  refusal(messageBytes: number): { code: number; reason: string; afterMs: number } {
    if (messageBytes > MAX_STEP2_BYTES) return { code: CLOSE_CODES.tooLarge, reason: `a message over ${MAX_STEP2_BYTES / 2 ** 20} MiB`, afterMs: 0 };
    const reason = "over 1 MiB: send it as the answer to the server's sync step 1";
    return { code: CLOSE_CODES.largeRetry, reason, afterMs: this.refusedForRoom ? RETRY_CLOSE_DELAY_MS : 0 };
  }

  /** Gives back the room claimed for a large answer; also when the socket closes. */
  release() {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    if (this.holder === null) return;
    this.widened.delete(this.holder);
    this.holder = null;
  }
}

/** The `ws` socket's receiver, which reads its limit at each frame's header (ws/lib/receiver.js, haveLength). */
type WithReceiver = { _receiver?: { _maxPayload?: number; _totalPayloadLength?: number } };

/**
 * Has a `ws` socket ask `limitOf` for its limit at each frame's header, with the message's length so far. ws
 * takes one limit for all its sockets and has no setter for one; the receiver reads this field for every
 * frame, and tests (sync-step2-size.test.ts) fail if a new ws stops doing so.
 */
export function wsFrameLimit(raw: unknown): (limitOf: (messageBytes: number) => number) => void {
  return (limitOf) => {
    const receiver = (raw as WithReceiver | undefined)?._receiver;
    if (!receiver || typeof receiver._maxPayload !== "number") return;
    Object.defineProperty(receiver, "_maxPayload", { configurable: true, get: () => limitOf(receiver._totalPayloadLength ?? 0) });
  };
}

/**
 * Has a `ws` socket close a frame over its limit as `refusal` says (FrameLimit.refusal), not with 1009. ws
 * closes such a frame by itself (its receiver calls the socket's `close` with 1009), and y-websocket's
 * provider retries every close outside 4400–4499: a client with more offline work than a frame holds sent it
 * again, several times a second, for ever. `counted` is told the code, as the server's own closes are.
 */
export function closeOversizeAs(
  raw: unknown,
  refusal: (messageBytes: number) => { code: number; reason: string; afterMs: number },
  counted: (code: number) => void,
) {
  const socket = raw as ({ close?: (code?: number, reason?: string) => void } & WithReceiver) | undefined;
  const close = socket?.close?.bind(socket);
  if (!socket || !close) return;
  socket.close = (closing, reason) => {
    if (closing !== CLOSE_CODES.messageTooBig) return close(closing, reason);
    const refused = refusal(socket._receiver?._totalPayloadLength ?? Number.POSITIVE_INFINITY);
    counted(refused.code);
    if (refused.afterMs === 0) return close(refused.code, refused.reason);
    setTimeout(() => close(refused.code, refused.reason), refused.afterMs).unref();
  };
}
