import { ApiError } from "../errors.ts";

/** Imports an account may have waiting behind its running one; a further one is refused. */
export const MAX_WAITING_PER_ACCOUNT = 16;
/** What the imports waiting for one account may hold in bodies already read (a text or PDF upload is up to 10 MiB). */
export const MAX_WAITING_BYTES_PER_ACCOUNT = 32 * 1024 * 1024;
/** What an account refused an import is told to wait: about what an ordinary import takes, well under the time limits. */
export const RETRY_AFTER_SECONDS = 5;

type Waiting = { start: () => void; bytes: number };

/**
 * Accounts take turns at the import threads.
 *
 * The whole server reads text, Markdown and HTML on two threads and PDFs on
 * two more, each import holding its thread up to its time limit (20 s for
 * text, 60 s for a PDF), and the threads' queue served imports first come,
 * first served: one account sending two hostile pages held both text threads,
 * and everyone's imports queued behind whatever that account sent next.
 *
 * Here each account has a queue of its own and sends the threads one import
 * at a time, the next only once the last has ended. The threads' queue so
 * holds at most one import per account, and serves accounts in turn: a
 * script importing a hundred articles at once waits behind itself, not in
 * front of everyone else. An account's queue is bounded in imports and in
 * the bytes they wait with; past either an import is refused with 429 and
 * Retry-After. The command line's import names no account and is not
 * counted: it runs in a process of its own.
 */
export class AccountTurns {
  /** Per account with an import under way: the imports waiting behind it. */
  private readonly waiting = new Map<string, Waiting[]>();

  async run<T>(account: string | undefined, bytes: number, work: () => Promise<T>): Promise<T> {
    if (account === undefined) return work();
    const queue = this.waiting.get(account);
    if (!queue) this.waiting.set(account, []);
    else {
      const held = queue.reduce((sum, w) => sum + w.bytes, 0);
      if (queue.length >= MAX_WAITING_PER_ACCOUNT || held + bytes > MAX_WAITING_BYTES_PER_ACCOUNT) {
        const message = `Too many imports of yours are under way or waiting; send this one once they have ended (try again in ${RETRY_AFTER_SECONDS} s)`;
        throw Object.assign(new ApiError("rate_limited", message), { retryAfterSeconds: RETRY_AFTER_SECONDS });
      }
      await new Promise<void>((start) => queue.push({ start, bytes }));
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.get(account)?.shift();
      if (next) next.start();
      else this.waiting.delete(account);
    }
  }
}
