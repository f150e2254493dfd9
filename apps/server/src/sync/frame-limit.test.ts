import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { MESSAGE_SYNC } from "@marginalia/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FrameLimit, MAX_MESSAGE_BYTES, MAX_STEP2_BYTES, MAX_WIDENED_AT_ONCE, WIDENED_FOR_MS } from "./frame-limit.ts";

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

/** A socket's frame limit, with the limit its transport was last given. */
function socket(widened: Set<string>) {
  const state = { limit: MAX_MESSAGE_BYTES };
  const frames = new FrameLimit(widened, (bytes) => (state.limit = bytes));
  return { frames, state };
}

afterEach(() => vi.useRealTimers());

describe("FrameLimit", () => {
  it("widens at most MAX_WIDENED_AT_ONCE sockets of different accounts in the process", () => {
    const widened = new Set<string>();
    const sockets = Array.from({ length: MAX_WIDENED_AT_ONCE + 1 }, () => socket(widened));
    sockets.forEach(({ frames }, i) => frames.sent(stepOne(), () => `account ${i}`));
    expect(sockets.slice(0, MAX_WIDENED_AT_ONCE).every(({ state }) => state.limit === MAX_STEP2_BYTES)).toBe(true);
    const last = sockets.at(-1)!;
    expect(last.state.limit).toBe(MAX_MESSAGE_BYTES);
    expect(last.frames.received(stepTwo(MAX_MESSAGE_BYTES + 1))).toBe(false);
    // One answers: its slot is free for the next socket that is sent a step 1.
    expect(sockets[0]!.frames.received(stepTwo(MAX_MESSAGE_BYTES + 1))).toBe(true);
    expect(sockets[0]!.state.limit).toBe(MAX_MESSAGE_BYTES);
    const next = socket(widened);
    next.frames.sent(stepOne(), () => "account next");
    expect(next.state.limit).toBe(MAX_STEP2_BYTES);
  });

  it("gives the slot back after WIDENED_FOR_MS without an answer, and still takes an answer already arriving", () => {
    vi.useFakeTimers();
    const widened = new Set<string>();
    const silent = socket(widened);
    silent.frames.sent(stepOne(), () => "alice");
    expect(widened.has("alice")).toBe(true);
    vi.advanceTimersByTime(WIDENED_FOR_MS);
    expect(widened.has("alice")).toBe(false);
    expect(silent.state.limit).toBe(MAX_MESSAGE_BYTES);
    // ws read the frame's header while the limit was wide: the answer it completes is taken once.
    expect(silent.frames.received(stepTwo(MAX_MESSAGE_BYTES + 1))).toBe(true);
    expect(silent.frames.received(stepTwo(MAX_MESSAGE_BYTES + 1))).toBe(false);
    // A large message that is not the answer never passes.
    const other = socket(widened);
    other.frames.sent(stepOne(), () => "bob");
    const update = stepTwo(MAX_MESSAGE_BYTES + 1);
    update[1] = syncProtocol.messageYjsUpdate;
    expect(other.frames.received(update)).toBe(false);
  });
});
