import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PRESENCE_BURST_BYTES, PRESENCE_BYTES_PER_SECOND } from "../presence/presence-budget.ts";
import { AccountLimits } from "./account-limits.ts";

describe("an account's shares across its sockets", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => vi.useRealTimers());

  it("outlive its last socket until they would have filled again: reconnecting brings no fresh burst", () => {
    const limits = new AccountLimits();
    const first = limits.share("viewer");
    expect(first.presence.take(PRESENCE_BURST_BYTES)).toBe(true);
    expect(first.presence.take(1)).toBe(false);
    first.release();

    const again = limits.share("viewer");
    expect(again.presence).toBe(first.presence);
    expect(again.budget).toBe(first.budget);
    expect(again.presence.take(1)).toBe(false);
    again.release();
  });

  it("are kept for as long as an overdrawn presence bucket takes to fill again", () => {
    const limits = new AccountLimits();
    const first = limits.share("viewer");
    first.presence.take(2 * PRESENCE_BURST_BYTES); // a batch may overdraw the bucket
    first.release();
    const refillMs = (2 * PRESENCE_BURST_BYTES * 1000) / PRESENCE_BYTES_PER_SECOND;
    vi.advanceTimersByTime(refillMs - 100); // longer than a full bucket takes from empty
    expect(limits.share("viewer").presence).toBe(first.presence);
    limits.share("viewer"); // a second socket, and both close
    expect(limits.idleAccounts).toBe(0);
  });

  it("forget an account that stays away, and a new socket starts full", () => {
    const limits = new AccountLimits();
    const first = limits.share("viewer");
    first.presence.take(PRESENCE_BURST_BYTES);
    first.release();
    expect(limits.idleAccounts).toBe(1);
    vi.advanceTimersByTime((2 * PRESENCE_BURST_BYTES * 1000) / PRESENCE_BYTES_PER_SECOND + 1);
    expect(limits.idleAccounts).toBe(0);
    const later = limits.share("viewer");
    expect(later.presence).not.toBe(first.presence);
    expect(later.presence.take(PRESENCE_BURST_BYTES)).toBe(true);
  });
});
