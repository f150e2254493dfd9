import { afterEach, describe, expect, it, vi } from "vitest";
import { SyncHold } from "./sync-hold.ts";

afterEach(() => void vi.useRealTimers());

describe("the hold on a document's socket", () => {
  it("waits from close to open, and never again once opened", async () => {
    const hold = new SyncHold();
    expect(hold.waiting).toBeNull();
    hold.close();
    const waiting = hold.waiting;
    expect(waiting).toBeInstanceOf(Promise);
    hold.open();
    await expect(waiting).resolves.toBeUndefined();
    hold.close();
    expect(hold.waiting).toBeNull();
  });

  it("opens by itself when its owner never does", async () => {
    vi.useFakeTimers();
    const hold = new SyncHold();
    hold.close();
    const waiting = hold.waiting;
    vi.advanceTimersByTime(3_000);
    await expect(waiting).resolves.toBeUndefined();
    expect(hold.waiting).toBeNull();
  });
});
