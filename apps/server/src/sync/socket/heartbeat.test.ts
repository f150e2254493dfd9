import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SYNC_CLOSE_CODES } from "@marginalia/schema";
import { heartbeat } from "./socket.ts";

describe("the heartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("does not judge a peer while the server has stopped reading its socket, and does once it reads again", async () => {
    const raw = { isPaused: true, ping: vi.fn(), on: vi.fn(), terminate: vi.fn() };
    const close = vi.fn();
    const alive = heartbeat(raw, 1_000, close);
    try {
      // Paused for ten intervals (the database away, the account's work waiting): no pong could be read.
      for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(1_000);
      expect(close).not.toHaveBeenCalled();
      // Reading again: a ping goes out, and a peer that does not answer it by the next one is closed.
      raw.isPaused = false;
      for (let i = 0; i < 3; i++) await vi.advanceTimersByTimeAsync(1_000);
      expect(raw.ping).toHaveBeenCalled();
      expect(close).toHaveBeenCalledWith(SYNC_CLOSE_CODES.timeout, "no answer to ping");
    } finally {
      alive.stop();
    }
  });
});
