import { EventEmitter } from "node:events";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HUNG_AFTER_MS, watchConnection } from "./redis-connection.ts";

const silent = { info: () => {}, warn: () => {} } as unknown as Parameters<typeof watchConnection>[2];

/** A connection that never answers its PINGs; `bytesRead` is what else arrives on it. */
function unanswering() {
  const stream = { bytesRead: 0, destroy: vi.fn() };
  const client = Object.assign(new EventEmitter(), { stream, status: "ready", ping: vi.fn(() => new Promise(() => {})) });
  return { client, stream };
}

describe("a relay connection's heartbeat", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("takes bytes still arriving for an answer, cuts a connection that sends nothing, and stops when the relay closes", async () => {
    const { client, stream } = unanswering();
    let closing = false;
    watchConnection(client as unknown as Redis, "subscriber", silent, { closing: () => closing, onReady: () => {} });
    // Messages keep arriving ahead of the PONG, for twice the time a hung connection gets.
    for (let t = 0; t < 2 * HUNG_AFTER_MS; t += 500) {
      stream.bytesRead += 1_000;
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(stream.destroy).not.toHaveBeenCalled();
    // Then nothing at all.
    await vi.advanceTimersByTimeAsync(HUNG_AFTER_MS + 2_000);
    expect(stream.destroy).toHaveBeenCalled();
    // Closed while ioredis waits to reconnect (no `end` comes): the heartbeat stops all the same.
    closing = true;
    await vi.advanceTimersByTimeAsync(1_000);
    const pings = client.ping.mock.calls.length;
    stream.destroy.mockClear();
    await vi.advanceTimersByTimeAsync(10_000);
    expect([client.ping.mock.calls.length, stream.destroy.mock.calls.length]).toEqual([pings, 0]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("reports each answered PING's round trip, as long as the answer took to come", async () => {
    const stream = { bytesRead: 0, destroy: vi.fn() };
    // Each PONG comes 700 ms after its PING, as behind a backlog of relayed messages.
    const ping = vi.fn(() => new Promise<string>((resolve) => setTimeout(() => resolve("PONG"), 700)));
    const client = Object.assign(new EventEmitter(), { stream, status: "ready", ping });
    const heard: [string, number][] = [];
    let closing = false;
    watchConnection(client as unknown as Redis, "subscriber", silent, { closing: () => closing, onReady: () => {}, answered: (role, ms) => heard.push([role, ms]) });
    await vi.advanceTimersByTimeAsync(3_500);
    closing = true;
    expect(heard.length).toBeGreaterThanOrEqual(2);
    for (const [role, ms] of heard) {
      expect(role).toBe("subscriber");
      expect(ms).toBeGreaterThanOrEqual(700);
    }
    expect(stream.destroy).not.toHaveBeenCalled();
  });
});
