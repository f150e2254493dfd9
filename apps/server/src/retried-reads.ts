import { classifyCommitError, errorCode } from "./sync/persist/commit-errors.ts";

/**
 * How many times in all a read outside a transaction is sent before its error is the answer.
 *
 * A write is answered from what a read after its commit finds (the annotation as its viewer sees it, the
 * article's text). Under cut connections (a failover, a proxy, an administrator ending backends) that read
 * met a connection that was already gone, and a write that was done was answered 503, "it may not have been
 * saved": clients sent it again, or told their users it had failed. A read outside a transaction changes
 * nothing, so it is sent again, on a connection the driver has opened afresh. Writes never are: one whose
 * connection was cut may have committed, and only the caller can tell.
 */
export const READ_ATTEMPTS = 6;

/**
 * How long a read waits before it is sent again. postgres.js fails a connection's queries when its socket
 * errs, and takes the connection out of use only when the socket then closes, a turn of the event loop
 * later. A read sent again at once is given that same connection and failed at its close (the patched
 * driver fails what is left there; unpatched, it waited about a minute under a storm of ended backends),
 * which spends one of its attempts for nothing; after the pause it goes to a connection opened afresh.
 */
const RETRY_PAUSE_MS = 20;

/**
 * Whether another attempt can do better: a connection lost or a database busy for a moment, not a statement
 * it refuses. A connection that could not be made within the driver's timeout (30 s) is not tried again, so
 * that a database out of reach is still answered as soon as it was.
 */
const worthRetrying = (err: unknown) => classifyCommitError(err) === "transient" && errorCode(err) !== "CONNECT_TIMEOUT";

/** `read`, sent again at most READ_ATTEMPTS times in all while it fails for its connection. `read` must only read. */
export async function retryRead<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= READ_ATTEMPTS || !worthRetrying(err)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
  }
}

/** A SELECT: what Drizzle's select builder, its relational queries and counts send. */
const READ = /^\s*select\b/i;

type PreparedQuery = { execute: (...args: unknown[]) => Promise<unknown>; all: (...args: unknown[]) => Promise<unknown> };
type Session = { prepareQuery: (query: { sql: string }, ...rest: unknown[]) => PreparedQuery };

/**
 * Has every SELECT the Drizzle database `db` runs outside a transaction go through `retryRead`. The session's
 * own method is replaced rather than the session, which Drizzle's relational query builders keep from the
 * start; a transaction runs on a session of its own, whose statements are never sent again: after a cut its
 * transaction is gone, and the statement with it.
 */
export function retryReadsOf(db: object) {
  const session = (db as { session: Session }).session;
  const prepare = session.prepareQuery.bind(session);
  session.prepareQuery = (query, ...rest) => {
    const prepared = prepare(query, ...rest);
    if (!READ.test(query.sql)) return prepared;
    const execute = prepared.execute.bind(prepared);
    const all = prepared.all.bind(prepared);
    prepared.execute = (...args) => retryRead(() => execute(...args));
    prepared.all = (...args) => retryRead(() => all(...args));
    return prepared;
  };
}
