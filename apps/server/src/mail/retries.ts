import type { Logger } from "../logger.ts";
import { beforeDeadline } from "../deadline.ts";
import type { MailMessage } from "./message.ts";

/** What became of one try at a message, as the metrics count it (metrics.ts, `marginalia_mail_total`). */
export type MailOutcome = "delivered" | "deferred" | "failed" | "dropped";

/** Timers and chance, given to the mailer so that tests can move its waits on by hand and replay its jitter. */
export type MailClock = {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** In [0, 1), like Math.random. */
  random(): number;
};

export type MailRetryOptions = {
  /** The wait before each try after the first: a message is tried once more than there are waits. */
  delaysMs: readonly number[];
  /** Messages waiting for another try at most; past it the one that has waited longest is given up. */
  maxWaiting: number;
  clock: MailClock;
  counted: (outcome: MailOutcome) => void;
};

/**
 * Five tries over about a quarter of an hour: long enough for a mail server that restarts or sheds load
 * to come back, short enough that a confirmation link still arrives while its reader waits for it.
 */
export const MAIL_RETRY_DEFAULTS: MailRetryOptions = {
  delaysMs: [30_000, 90_000, 4 * 60_000, 9 * 60_000],
  // A waiting message is a few hundred bytes; a thousand is more than a day of sign-ups on most servers.
  maxWaiting: 1_000,
  clock: {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    random: Math.random,
  },
  counted: () => {},
};

/**
 * Whether trying the same message again may succeed. A reply code says so itself (RFC 5321: 4yz is transient,
 * 5yz permanent); without one, only a connection that failed or timed out is worth another try, while an
 * address nodemailer will not send to, or a folder that cannot be written, fails the same way every time.
 */
export function isTransient(err: unknown): boolean {
  const { responseCode, code } = (err ?? {}) as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === "number") return responseCode >= 400 && responseCode < 500;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

/** nodemailer's codes for a connection that failed rather than a message that was refused. */
const TRANSIENT_CODES = new Set(["ECONNECTION", "ESOCKET", "ETIMEDOUT", "EDNS"]);

type Entry = { message: MailMessage; tries: number; timer?: unknown; givenUp?: boolean };

/**
 * Delivers each message through `deliver`, trying again after a transient failure. Messages are held in
 * memory only: their text carries sign-in links, which the database never stores (docs/architecture.md,
 * "Accounts"). `close` waits for the tries under way and gives up the messages waiting for a later one.
 */
export function retryingDelivery(deliver: (message: MailMessage) => Promise<void>, logger: Logger, options: MailRetryOptions) {
  const { delaysMs, maxWaiting, clock, counted } = options;
  const inFlight = new Map<Promise<void>, Entry>();
  // In the order each first failed: the first is the one that has waited longest.
  const waiting = new Set<Entry>();
  let closed = false;
  const about = (entry: Entry) => ({ to: entry.message.to, subject: entry.message.subject, tries: entry.tries });

  function attempt(entry: Entry) {
    const run = deliver(entry.message)
      .then(
        () => {
          waiting.delete(entry);
          // One given up while this try was under way was counted and logged then.
          if (!entry.givenUp) counted("delivered");
        },
        (err: unknown) => failed(entry, err),
      )
      .finally(() => inFlight.delete(run));
    inFlight.set(run, entry);
  }

  function failed(entry: Entry, err: unknown) {
    entry.tries++;
    if (entry.givenUp) return;
    const delay = delaysMs[entry.tries - 1];
    if (closed || delay === undefined || !isTransient(err)) {
      waiting.delete(entry);
      counted("failed");
      logger.error({ err, ...about(entry) }, "mail not delivered");
      return;
    }
    if (!waiting.has(entry)) {
      // The one that has waited longest among those waiting for a timer: one whose try is under way frees nothing.
      const oldest = [...waiting].find((other) => other.timer !== undefined);
      if (waiting.size >= maxWaiting && oldest) giveUp(oldest, "too many mails waiting for another try");
      waiting.add(entry);
    }
    // Jittered, so that the messages one outage failed do not all come back to the mail server at once.
    const ms = Math.round(delay * (0.75 + clock.random() / 2));
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      attempt(entry);
    }, ms);
    counted("deferred");
    logger.warn({ err, ...about(entry), retryInMs: ms }, "mail not delivered yet; trying again");
  }

  function giveUp(entry: Entry, why: string) {
    waiting.delete(entry);
    entry.givenUp = true;
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    counted("dropped");
    logger.error(about(entry), `mail dropped: ${why}`);
  }

  return {
    send(message: MailMessage) {
      attempt({ message, tries: 0 });
    },
    /** Gives up the messages waiting for a later try, and waits for those under way at most `waitMs`, naming any still going. */
    async close(waitMs = Infinity) {
      closed = true;
      for (const entry of [...waiting]) if (entry.timer !== undefined) giveUp(entry, "the server is stopping");
      await beforeDeadline(Promise.allSettled([...inFlight.keys()]), Date.now() + waitMs);
      for (const entry of inFlight.values()) logger.error(about(entry), "mail may not have been delivered: the server stopped while sending it");
    },
  };
}
