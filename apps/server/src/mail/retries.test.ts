import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { seeded } from "../../test/support/seed.ts";
import { createLogger } from "../logger.ts";
import { createMailer } from "./mailer.ts";
import { type MailClock, type MailOutcome, retryingDelivery } from "./retries.ts";
import { SETTLED } from "../../test/support/settled.ts";

/**
 * A real SMTP server whose answer to each recipient the test sets: "accept", or a reply code to refuse
 * with (4xx for "try later", 5xx for "never"). It records every recipient it was offered and every message taken.
 */
let answers: Array<"accept" | number> = [];
const offered: string[] = [];
const taken: string[] = [];
let server: SMTPServer;
let port: number;
/** A port nobody listens on: a connection there is refused, as when the mail server is down. */
let closedPort: number;

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      offered.push(address.address);
      const answer = answers.shift() ?? "accept";
      if (answer === "accept") return callback();
      callback(Object.assign(new Error(answer < 500 ? "Try again later" : "No such mailbox"), { responseCode: answer }));
    },
    onData(stream, session, done) {
      stream.resume();
      stream.on("end", () => {
        taken.push(...session.envelope.rcptTo.map((r) => r.address));
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
  const probe = new SMTPServer({ logger: false });
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  answers = [];
  offered.length = 0;
  taken.length = 0;
});


/** Timers that fire only when the test says, and jitter from the run's seed. */
function manualClock(name: string) {
  const rng = seeded(name);
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const clock: MailClock = {
    setTimeout(fn, ms) {
      timers.set(++next, { fn, ms });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    random: () => rng.next(),
  };
  return {
    clock,
    seed: rng.seed,
    timers,
    /** Waits for the one timer the mailer sets after a failed try, fires it and returns its wait. */
    async fire(): Promise<number> {
      await vi.waitFor(() => expect(timers.size).toBe(1), SETTLED);
      const [id, timer] = [...timers][0]!;
      timers.delete(id);
      timer.fn();
      return timer.ms;
    },
  };
}

function mailerTo(mailPort: number, name: string, maxWaiting?: number) {
  const manual = manualClock(name);
  const outcomes: MailOutcome[] = [];
  const errors: string[] = [];
  const logger = createLogger("silent");
  logger.error = ((_fields: unknown, message: string) => void errors.push(message)) as typeof logger.error;
  const mailer = createMailer({ from: "no-reply@marginalia.test", transport: { kind: "smtp", url: `smtp://127.0.0.1:${mailPort}` } }, logger, {
    clock: manual.clock,
    counted: (outcome) => outcomes.push(outcome),
    ...(maxWaiting !== undefined && { maxWaiting }),
  });
  return { mailer, outcomes, errors, ...manual };
}

const note = (to: string) => ({ to, subject: "Confirm your address", text: "Open https://marginalia.test/c/abc" });

describe("mail retries", () => {
  it("tries a message again after a 4xx reply, waiting longer each time, with jitter", async () => {
    const { mailer, outcomes, fire, seed } = mailerTo(port, "mail retries: 4xx");
    answers = [451, 421];
    mailer.send(note("later@example.org"));
    const first = await fire();
    const second = await fire();
    await vi.waitFor(() => expect(outcomes).toEqual(["deferred", "deferred", "delivered"]), SETTLED);
    expect(offered).toEqual(["later@example.org", "later@example.org", "later@example.org"]);
    expect(taken).toEqual(["later@example.org"]);
    // 30 s and 90 s, each within a quarter either way.
    expect(first >= 22_500 && first <= 37_500, `first wait ${first}, seed ${seed}`).toBe(true);
    expect(second >= 67_500 && second <= 112_500, `second wait ${second}, seed ${seed}`).toBe(true);
    await mailer.close();
  });

  it("does not try again after a 5xx reply", async () => {
    const { mailer, outcomes, errors, timers } = mailerTo(port, "mail retries: 5xx");
    answers = [550];
    mailer.send(note("nobody@example.org"));
    await mailer.close();
    expect(outcomes).toEqual(["failed"]);
    expect(errors).toEqual(["mail not delivered"]);
    expect(timers.size).toBe(0);
    expect(offered).toEqual(["nobody@example.org"]);
    expect(taken).toEqual([]);
  });

  it("tries five times while the mail server is down, then gives up", async () => {
    const { mailer, outcomes, errors, fire, timers } = mailerTo(closedPort, "mail retries: down");
    mailer.send(note("patient@example.org"));
    for (let i = 0; i < 4; i++) await fire();
    await vi.waitFor(() => expect(outcomes).toHaveLength(5), SETTLED);
    expect(outcomes).toEqual(["deferred", "deferred", "deferred", "deferred", "failed"]);
    expect(errors).toEqual(["mail not delivered"]);
    expect(timers.size).toBe(0);
    await mailer.close();
  });

  it("drops the message that has waited longest when too many wait", async () => {
    const { mailer, outcomes, errors, timers } = mailerTo(closedPort, "mail retries: bound", 2);
    mailer.send(note("first@example.org"));
    await vi.waitFor(() => expect(timers.size).toBe(1), SETTLED);
    mailer.send(note("second@example.org"));
    await vi.waitFor(() => expect(timers.size).toBe(2), SETTLED);
    mailer.send(note("third@example.org"));
    await vi.waitFor(() => expect(outcomes).toEqual(["deferred", "deferred", "dropped", "deferred"]), SETTLED);
    expect(errors).toEqual(["mail dropped: too many mails waiting for another try"]);
    expect(timers.size).toBe(2);
    await mailer.close();
  });

  it("past the bound, gives up one waiting for its timer, never one whose try is under way", async () => {
    const manual = manualClock("mail retries: bound in flight");
    const outcomes: MailOutcome[] = [];
    const tries: Array<{ to: string; settle: (err?: Error) => void }> = [];
    const deliver = (message: { to: string }) =>
      new Promise<void>((resolve, reject) => tries.push({ to: message.to, settle: (err) => (err ? reject(err) : resolve()) }));
    const mail = retryingDelivery(deliver, createLogger("silent"), {
      delaysMs: [1_000, 1_000],
      maxWaiting: 1,
      clock: manual.clock,
      counted: (outcome) => outcomes.push(outcome),
    });
    const down = Object.assign(new Error("connection refused"), { code: "ECONNECTION" });
    mail.send(note("first@example.org"));
    tries.shift()!.settle(down);
    await manual.fire(); // first's second try is now under way
    mail.send(note("second@example.org"));
    tries.find((t) => t.to === "second@example.org")!.settle(down);
    await vi.waitFor(() => expect(outcomes).toEqual(["deferred", "deferred"]), SETTLED);
    tries.find((t) => t.to === "first@example.org")!.settle();
    await vi.waitFor(() => expect(outcomes).toEqual(["deferred", "deferred", "delivered"]), SETTLED);
    expect(manual.timers.size).toBe(1);
    await mail.close();
    expect(outcomes).toEqual(["deferred", "deferred", "delivered", "dropped"]);
  });

  it("close waits for a try under way at most as long as it is given, and names the message it leaves", async () => {
    const errors: Array<{ to?: string; message: string }> = [];
    const logger = createLogger("silent");
    logger.error = ((fields: { to?: string }, message: string) => void errors.push({ to: fields.to, message })) as typeof logger.error;
    // A mail server that took the connection and went silent.
    const mail = retryingDelivery(() => new Promise<void>(() => {}), logger, { delaysMs: [1_000], maxWaiting: 10, clock: manualClock("mail retries: silent").clock, counted: () => {} });
    mail.send(note("silent@example.org"));
    await mail.close(50);
    expect(errors).toEqual([{ to: "silent@example.org", message: "mail may not have been delivered: the server stopped while sending it" }]);
  });

  it("close does not wait out the backoff: it gives up the messages still waiting, and says so", async () => {
    const { mailer, outcomes, errors, timers } = mailerTo(closedPort, "mail retries: close");
    mailer.send(note("waiting@example.org"));
    await vi.waitFor(() => expect(timers.size).toBe(1), SETTLED);
    // The timer never fires by itself: close resolving at all shows it did not wait for it.
    await mailer.close();
    expect(timers.size).toBe(0);
    expect(outcomes).toEqual(["deferred", "dropped"]);
    expect(errors).toEqual(["mail dropped: the server is stopping"]);
  });
});
