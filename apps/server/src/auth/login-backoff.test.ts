import { describe, expect, it } from "vitest";
import { LoginBackoff } from "./login-backoff.ts";

describe("login backoff", () => {
  const options = { freeFailures: 3, accountThreshold: 10, accountPaceMs: 2_000, maxWaitMs: 60_000, forgetAfterMs: 600_000 };

  it("doubles the wait per failure from one address past the free ones, up to the cap, and forgets after quiet", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    for (let i = 0; i < 3; i++) b.failed("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(1_000);
    b.failed("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(2_000);
    for (let i = 0; i < 20; i++) b.failed("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(60_000);
    expect(b.waitFor("a@x", "2.2.2.2")).toBe(0); // the owner elsewhere is not held up
    expect(b.waitFor("b@x", "1.1.1.1")).toBe(0);
    now += 600_001;
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(0);
  });

  it("paces a widely guessed account to one attempt per interval, never closing it", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    expect(b.waitFor("a@x", "9.9.9.9")).toBe(0);
    b.attempt("a@x", "9.9.9.9");
    expect(b.waitFor("a@x", "9.9.9.9")).toBe(2_000);
    now += 2_000;
    expect(b.waitFor("a@x", "9.9.9.9")).toBe(0);
  });

  it("counts attempts still being checked as failures, so a burst meets the waits a sequence would", () => {
    const b = new LoginBackoff(options, () => 0);
    for (let i = 0; i < 3; i++) b.attempt("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(1_000);
    expect(b.waitFor("a@x", "2.2.2.2")).toBe(0);
    b.abandoned("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(0);
    b.failed("a@x", "1.1.1.1");
    b.failed("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(0);
    b.attempt("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(1_000);
    b.succeeded("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(0);
  });

  it("clears an address's count when the right password comes from it", () => {
    const b = new LoginBackoff(options, () => 0);
    for (let i = 0; i < 5; i++) b.failed("a@x", "1.1.1.1");
    b.succeeded("a@x", "1.1.1.1");
    expect(b.waitFor("a@x", "1.1.1.1")).toBe(0);
  });

  it("lets the owner's attempts skip the pace a guesser with many addresses holds, without taking its turn", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    expect(b.paced("a@x")).toBe(false);
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    expect(b.paced("a@x")).toBe(true);
    expect(b.paced("b@x")).toBe(false);
    // The guessers' addresses take the account's turn the moment it comes round.
    for (let round = 0; round < 20; round++) {
      now += 2_000;
      expect(b.waitFor("a@x", `10.0.1.${round}`)).toBe(0);
      b.attempt("a@x", `10.0.1.${round}`);
      b.failed("a@x", `10.0.1.${round}`);
      expect(b.waitFor("a@x", "9.9.9.9")).toBe(2_000); // a stranger, even with the right password, waits
      expect(b.waitFor("a@x", "8.8.8.8", true)).toBe(0);
    }
    b.attempt("a@x", "8.8.8.8", true);
    b.succeeded("a@x", "8.8.8.8");
    expect(b.waitFor("a@x", "10.0.2.1")).toBe(2_000); // the owner's attempt left the guessers' wait as it was
  });

  it("keeps the owner's own backoff per address", () => {
    const b = new LoginBackoff(options, () => 0);
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    b.attempt("a@x", "10.0.1.1");
    for (let i = 0; i < 3; i++) b.failed("a@x", "8.8.8.8");
    expect(b.waitFor("a@x", "8.8.8.8", true)).toBe(1_000);
  });
});
