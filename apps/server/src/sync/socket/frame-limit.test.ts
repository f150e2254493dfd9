import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FrameLimit, LARGE_ANSWER_MS, MAX_MESSAGE_BYTES, MAX_STEP2_BYTES, MAX_WIDENED_AT_ONCE, RETRY_CLOSE_DELAY_MS, WIDENED_FOR_MS } from "./frame-limit.ts";

/** The server's sync step 1, as the hub sends it on open. */
function stepOne(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, new Y.Doc());
  return encoding.toUint8Array(encoder);
}
/** A sync step 2 message of `bytes` bytes (its content is not read here). */
const stepTwo = (bytes: number) => {
  const message = new Uint8Array(bytes);
  message[0] = MESSAGE_SYNC;
  message[1] = syncProtocol.messageYjsSyncStep2;
  return message;
};

/** A socket's frame limit, with what its transport asks at a frame's header (`limitAt`). */
function socket(widened: Set<string>, account: string) {
  let limitOf: (messageBytes: number) => number = () => 0;
  const closed: string[] = [];
  const frames = new FrameLimit(widened, (ask) => (limitOf = ask), () => account, () => closed.push(account));
  return { frames, closed, limitAt: (messageBytes: number) => limitOf(messageBytes) };
}

const LARGE = MAX_MESSAGE_BYTES + 1;

afterEach(() => vi.useRealTimers());

describe("FrameLimit", () => {
  it("claims room for a large answer only as its frame arrives: sockets that have not answered hold none", () => {
    const widened = new Set<string>();
    // Many sockets sent the server's step 1 and silent: nothing is held for them.
    const silent = Array.from({ length: MAX_WIDENED_AT_ONCE * 2 }, (_, i) => socket(widened, `silent ${i}`));
    for (const { frames } of silent) frames.sent(stepOne());
    expect(widened.size).toBe(0);
    const writer = socket(widened, "writer");
    writer.frames.sent(stepOne());
    expect(writer.limitAt(1_000)).toBe(MAX_MESSAGE_BYTES);
    expect(writer.limitAt(LARGE)).toBe(MAX_STEP2_BYTES);
    expect(widened.has("writer")).toBe(true);
    expect(writer.frames.received(stepTwo(LARGE))).toBe(true);
    // In: the room is given back, and the socket takes no second large message.
    expect(widened.size).toBe(0);
    expect(writer.limitAt(LARGE)).toBe(MAX_MESSAGE_BYTES);
  });

  it("takes at most MAX_WIDENED_AT_ONCE large answers arriving at once, one per account", () => {
    const widened = new Set<string>();
    const sockets = Array.from({ length: MAX_WIDENED_AT_ONCE + 1 }, (_, i) => socket(widened, `account ${i}`));
    for (const { frames } of sockets) frames.sent(stepOne());
    const limits = sockets.map(({ limitAt }) => limitAt(LARGE));
    expect(limits.slice(0, MAX_WIDENED_AT_ONCE).every((limit) => limit === MAX_STEP2_BYTES)).toBe(true);
    expect(limits.at(-1)).toBe(MAX_MESSAGE_BYTES);
    // Refused for want of room, not for what it is: its close waits (RETRY_CLOSE_DELAY_MS), so that it does not come straight back.
    expect([sockets[0]!.frames.refusal(LARGE).afterMs, sockets.at(-1)!.frames.refusal(LARGE).afterMs]).toEqual([0, RETRY_CLOSE_DELAY_MS]);
    const sameAccount = socket(widened, "account 0");
    sameAccount.frames.sent(stepOne());
    expect(sameAccount.limitAt(LARGE)).toBe(MAX_MESSAGE_BYTES);
    // One is in: the next large answer finds room.
    expect(sockets[0]!.frames.received(stepTwo(LARGE))).toBe(true);
    expect(sockets.at(-1)!.limitAt(LARGE)).toBe(MAX_STEP2_BYTES);
    // A socket that closes mid-frame gives its room back.
    sockets[1]!.frames.release();
    expect(widened.has("account 1")).toBe(false);
  });

  it("takes a large answer only within WIDENED_FOR_MS of the step 1, and never a large message that is not the answer", () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const widened = new Set<string>();
    const late = socket(widened, "alice");
    late.frames.sent(stepOne());
    vi.advanceTimersByTime(WIDENED_FOR_MS + 1);
    expect(late.limitAt(LARGE)).toBe(MAX_MESSAGE_BYTES);
    expect(late.frames.received(stepTwo(LARGE))).toBe(false);
    const other = socket(widened, "bob");
    other.frames.sent(stepOne());
    expect(other.limitAt(LARGE)).toBe(MAX_STEP2_BYTES);
    const update = stepTwo(LARGE);
    update[1] = syncProtocol.messageYjsUpdate;
    expect(other.frames.received(update)).toBe(false);
    expect(widened.size).toBe(0);
  });

  it("closes a socket whose large answer has not arrived LARGE_ANSWER_MS after its header, giving its room back", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const widened = new Set<string>();
    // A first fragment, and no more: pongs between fragments kept the heartbeat from ever ending it.
    const stuck = socket(widened, "mallory");
    stuck.frames.sent(stepOne());
    expect(stuck.limitAt(LARGE)).toBe(MAX_STEP2_BYTES);
    vi.advanceTimersByTime(LARGE_ANSWER_MS - 1);
    expect([stuck.closed, widened.size]).toEqual([[], 1]);
    vi.advanceTimersByTime(1);
    expect([stuck.closed, widened.size]).toEqual([["mallory"], 0]);
    // One that arrives in time is never closed for it.
    const prompt = socket(widened, "alice");
    prompt.frames.sent(stepOne());
    prompt.limitAt(LARGE);
    expect(prompt.frames.received(stepTwo(LARGE))).toBe(true);
    vi.advanceTimersByTime(LARGE_ANSWER_MS * 2);
    expect(prompt.closed).toEqual([]);
  });
});
