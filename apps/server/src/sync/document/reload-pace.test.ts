import { afterEach, describe, expect, it, vi } from "vitest";
import { ReloadPace } from "./reload-pace.ts";

/** Whether `promise` has settled once the timers due by now have run. */
async function settledNow(promise: Promise<void>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe("ReloadPace", () => {
  afterEach(() => vi.useRealTimers());

  it("loads at once after a first reload, and waits 5 s after a second within 30 s, for that document only", async () => {
    vi.useFakeTimers();
    const pace = new ReloadPace();
    pace.reloaded("article:a");
    expect(await settledNow(pace.loadable("article:a"))).toBe(true);

    await vi.advanceTimersByTimeAsync(20_000);
    pace.reloaded("article:a");
    const waiting = pace.loadable("article:a");
    expect(await settledNow(pace.loadable("article:b"))).toBe(true);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await settledNow(waiting)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(waiting)).toBe(true);
  });

  it("forgets a reload after 30 s: the next is a first again", async () => {
    vi.useFakeTimers();
    const pace = new ReloadPace();
    pace.reloaded("article:a");
    await vi.advanceTimersByTimeAsync(30_000);
    pace.reloaded("article:a");
    expect(await settledNow(pace.loadable("article:a"))).toBe(true);
  });
});
