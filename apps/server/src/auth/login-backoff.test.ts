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

  it("lets the owner's known addresses skip the pace a guesser with many addresses holds, without taking its turn", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    b.succeeded("a@x", "8.8.8.8"); // the owner signed in from home
    b.signedInFrom("a@x", "7.7.7.7"); // and used a session from the office
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    // The guessers' addresses take the account's turn the moment it comes round.
    for (let round = 0; round < 20; round++) {
      now += 2_000;
      expect(b.waitFor("a@x", `10.0.1.${round}`)).toBe(0);
      b.attempt("a@x", `10.0.1.${round}`);
      b.failed("a@x", `10.0.1.${round}`);
      expect(b.waitFor("a@x", "9.9.9.9")).toBe(2_000); // a stranger, even with the right password, waits
      expect(b.waitFor("a@x", "8.8.8.8")).toBe(0);
      expect(b.waitFor("a@x", "7.7.7.7")).toBe(0);
    }
    b.attempt("a@x", "8.8.8.8");
    b.succeeded("a@x", "8.8.8.8");
    expect(b.waitFor("a@x", "10.0.2.1")).toBe(2_000); // the owner's attempt left the guessers' wait as it was
    expect(b.waitFor("b@x", "8.8.8.8")).toBe(0);
    // Another account's known address is not this account's.
    b.signedInFrom("c@x", "6.6.6.6");
    expect(b.waitFor("a@x", "6.6.6.6")).toBe(2_000);
  });

  it("keeps a known address's own backoff, and forgets known addresses after a month or past a handful", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    b.succeeded("a@x", "8.8.8.8");
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    b.attempt("a@x", "10.0.1.1");
    for (let i = 0; i < 3; i++) b.failed("a@x", "8.8.8.8");
    expect(b.waitFor("a@x", "8.8.8.8")).toBe(1_000);
    now += 1_000;
    expect(b.waitFor("a@x", "8.8.8.8")).toBe(0);

    for (let i = 1; i <= 8; i++) b.signedInFrom("a@x", `5.5.5.${i}`);
    b.attempt("a@x", "10.0.1.2");
    expect(b.waitFor("a@x", "5.5.5.1")).toBe(0);
    b.signedInFrom("a@x", "5.5.5.9"); // one past the handful: the least recent goes
    expect(b.waitFor("a@x", "5.5.5.1")).toBe(2_000);
    expect(b.waitFor("a@x", "5.5.5.9")).toBe(0);

    now += 30 * 24 * 60 * 60_000 + 1;
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.3.${i}`);
    b.attempt("a@x", "10.0.4.1");
    expect(b.waitFor("a@x", "5.5.5.9")).toBe(2_000);
  });

  it("lets a browser the account signed in from skip the pace, wherever it is, keeping its address's own backoff", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    b.rememberDevice("a@x", "owner-browser");
    b.rememberDevice("z@x", "guesser-browser");
    for (let i = 0; i < 10; i++) b.failed("a@x", `10.0.0.${i}`);
    b.attempt("a@x", "10.0.1.1");
    expect(b.waitFor("a@x", "7.7.7.7")).toBe(2_000);
    expect(b.waitFor("a@x", "7.7.7.7", ["owner-browser"])).toBe(0);
    // A token the account never saw, or another account's, is nobody's: the pace holds.
    expect(b.waitFor("a@x", "7.7.7.7", ["made-up"])).toBe(2_000);
    expect(b.waitFor("a@x", "7.7.7.7", ["guesser-browser"])).toBe(2_000);
    expect(b.knownDevice("a@x", ["made-up", "owner-browser"])).toBe("owner-browser");
    expect(b.knownDevice("a@x", ["guesser-browser"])).toBeUndefined();
    // The owner's browser does not take the account's turn.
    b.attempt("a@x", "7.7.7.7", ["owner-browser"]);
    now += 2_000;
    expect(b.waitFor("a@x", "6.6.6.6")).toBe(0);
    for (let i = 0; i < 3; i++) b.failed("a@x", "7.7.7.7");
    expect(b.waitFor("a@x", "7.7.7.7", ["owner-browser"])).toBe(1_000);
  });

  it("forgets known browsers after a month or past a handful", () => {
    let now = 0;
    const b = new LoginBackoff(options, () => now);
    for (let i = 1; i <= 8; i++) b.rememberDevice("a@x", `browser ${i}`);
    expect(b.knownDevice("a@x", ["browser 1"])).toBe("browser 1");
    b.rememberDevice("a@x", "browser 9"); // one past the handful: the least recent goes
    expect(b.knownDevice("a@x", ["browser 1"])).toBeUndefined();
    expect(b.knownDevice("a@x", ["browser 2"])).toBe("browser 2");
    now += 30 * 24 * 60 * 60_000 + 1;
    expect(b.knownDevice("a@x", ["browser 9"])).toBeUndefined();
  });
});
