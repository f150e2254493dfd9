import type { Database } from "../db.ts";
import { NO_HOOKS, type SyncHooks } from "./persist/commit-hooks.ts";
import { type DocumentRelay, LOCAL_ONLY } from "./broadcast/document-relay.ts";
import { NO_OBSERVER, type SyncObserver } from "./observer.ts";

export type SyncOptions = {
  /** How long a document stays loaded after its last socket leaves. */
  idleUnloadMs: number;
  /** How long a socket may take to be admitted and see its document loaded. */
  admissionTimeoutMs: number;
  maxConnectionsPerUser: number;
  /**
   * Messages one socket may keep waiting (past its share of the loop, while its document loads or is busy),
   * besides MAX_KEPT_BYTES. High enough for a script's burst of small edits, one transaction each: a
   * stock provider making 600 comments in a loop went past 256 (docs/sync.md, section on limits).
   */
  maxBufferedMessages: number;
  /** How long the group commit's first update waits for company (persist.ts); see `commitWindowFor`. */
  commitWindowMs: number;
  /**
   * How often open sockets are checked against the database (access-check.ts),
   * for what no access event announced: expired sessions, tokens revoked from
   * the command line, events lost while the relay was down.
   */
  accessCheckMs: number;
  /** How documents are shared with other server processes; by default they are not. */
  relay: DocumentRelay;
  /** Who is told what the core does, for metrics (observer.ts). */
  observer: SyncObserver;
  /** What other modules do with commits and socket moderation (commit-hooks.ts); the server passes its own. */
  hooks: SyncHooks;
};

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  idleUnloadMs: 60_000,
  admissionTimeoutMs: 10_000,
  maxConnectionsPerUser: 32,
  maxBufferedMessages: 4_096,
  commitWindowMs: 4,
  accessCheckMs: 30_000,
  relay: LOCAL_ONLY,
  observer: NO_OBSERVER,
  hooks: NO_HOOKS,
};

/**
 * The group commit's window for a database. The embedded one pays more for
 * each commit than for each update in it: its thread parses, plans and
 * writes every transaction in WASM, and each round trip wakes that thread on
 * the same two cores as the sockets. At 100 writes/s a 10 ms window gives it
 * about half as many commits, for about 7 ms more before an ack; in the
 * headline bench that took its server CPU from 82% to 72% and its fan-out
 * p99 from about 40 to 28 ms. Postgres, on its own process, gained little
 * from the longer wait, so it keeps the short one.
 */
export function commitWindowFor(kind: Database["kind"]): number {
  return kind === "pglite" ? 10 : DEFAULT_SYNC_OPTIONS.commitWindowMs;
}
