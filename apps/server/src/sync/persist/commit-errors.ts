import { UnreadableUpdate } from "../validate/decoded-update.ts";
import { CLOSE_CODES } from "../../errors.ts";

/**
 * What a failed group commit means (persist.ts): a database that is away or
 * busy, which a retry outlasts, or an update the database will never take,
 * which is dropped alone so that everything queued behind it is still written.
 */
export type CommitFailure = "transient" | "permanent" | "unknown";

/**
 * Driver and socket errors of a connection that failed or ended: postgres.js
 * sets these as `code`, Node's net module the E-codes.
 */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** SQLSTATEs that say nothing about the statement: the server is away, busy or shutting down. */
const TRANSIENT_STATES = new Set(["40001", "40P01", "55P03", "57014", "57P01", "57P02", "57P03"]);
/**
 * SQLSTATE classes of an update the database refuses for what it is: 08
 * connection exception, 53 insufficient resources and 58 system error are
 * retried instead.
 */
const TRANSIENT_CLASSES = new Set(["08", "53", "58"]);
/** 22 data exception, 23 integrity constraint violation (a deleted article), 42 syntax or undefined object, 54 program limit. */
const PERMANENT_CLASSES = new Set(["22", "23", "42", "54"]);

/** The classification of a commit's error, looking through the wrappers (Drizzle's `cause`) to the driver's. */
export function classifyCommitError(err: unknown): CommitFailure {
  for (const e of causes(err)) {
    if (e instanceof ProjectionError || e instanceof RefusedAtCommit) return "permanent";
    // Thrown by our code or the query builder before anything reached the database (a statement too
    // large to build overflowed the stack): the same update fails the same way every time, and retried as
    // an outage it held every document's commits behind it for good.
    if (e instanceof RangeError) return "permanent";
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (CONNECTION_CODES.has(code)) return "transient";
    // The embedded database's socket file, removed as it closes (or not yet made): its connection, not a file of ours.
    if (code === "ENOENT" && (e as { syscall?: unknown }).syscall === "connect") return "transient";
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (TRANSIENT_STATES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2))) return "transient";
      if (PERMANENT_CLASSES.has(code.slice(0, 2))) return "permanent";
      return "unknown";
    }
  }
  return "unknown";
}

/** The SQLSTATE or driver code of an error, for logs. */
export function errorCode(err: unknown): string | undefined {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** An error and the causes it wraps (the query builder wraps the driver's), outermost first, at most eight. */
function* causes(err: unknown): Generator<unknown> {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** The first match of `pattern` in the message of `err` or of an error it wraps. */
function messageMatch(err: unknown, pattern: RegExp): RegExpExecArray | null {
  for (const e of causes(err)) {
    const match = e instanceof Error ? pattern.exec(e.message) : null;
    if (match) return match;
  }
  return null;
}

/**
 * An error as a log line may carry it: the driver's own message and code, never the query builder's
 * wrapper, whose message holds the whole statement with its parameters (every queued update, users'
 * text included), and grows with each retry while the database is away.
 */
export function describeError(err: unknown): { message: string; code?: string } {
  const innermost = [...causes(err)].at(-1) ?? err;
  const message = innermost instanceof Error ? innermost.message : String(innermost);
  return { message: message.length > 500 ? `${message.slice(0, 500)}…` : message, code: errorCode(err) };
}

/**
 * The annotation id an update's projection would have taken from another
 * article or author, when that is why the database refused it: the message
 * `marginalia_refuse_taken_id` raises (drizzle/0018).
 */
export function takenAnnotationId(err: unknown): string | null {
  return messageMatch(err, /^annotation id (.+) belongs to another article or author$/)?.[1] ?? null;
}

/** Why an update refused alone is not stored, and whether for its writer's right rather than what it holds (`refusedAlone`). */
export type AloneRefusal = { reason: "refused" | "forbidden"; writer: boolean };

/**
 * A refusal that may cost an update no more than its own new annotations (sync/document/refusals.ts): a value
 * the database cannot store (`unstorableContent`), a writer no longer holding the role it needs
 * (`writerLacksRole`), or a commit hook's policy (`RefusedAtCommit`). Null for any other, which reloads.
 */
export function refusedAlone(err: unknown): AloneRefusal | null {
  if (unstorableContent(err)) return { reason: "refused", writer: false };
  if (writerLacksRole(err)) return { reason: "forbidden", writer: true };
  return [...causes(err)].some((e) => e instanceof RefusedAtCommit) ? { reason: "refused", writer: true } : null;
}

/**
 * Whether the database refused an update for a value in it: a data exception (class 22: a number or time out
 * of its column's range, text it cannot encode), a program limit (54), or a row the projection could not
 * build. The schemas are meant to refuse all of these first; this is what it costs when one slips through.
 */
export function unstorableContent(err: unknown): boolean {
  for (const e of causes(err)) {
    if (e instanceof ProjectionError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith("22") || code.startsWith("54");
  }
  return false;
}

/**
 * Whether the database refused an update because it was written under a member id its group no longer
 * gives: anonymity was turned on between the write and its commit (`marginalia_writers_current`,
 * drizzle/0026; docs/architecture.md, "Member ids").
 */
export function staleMemberId(err: unknown): boolean {
  return messageMatch(err, /^member id \S+ of group \S+ is no longer current$/) !== null;
}

/**
 * Whether the database refused an update because its writer no longer holds the role it needs, or is no
 * longer a member: demoted or removed on another process before the relay told this one (drizzle/0035;
 * docs/architecture.md, "Roles at the commit").
 */
export function writerLacksRole(err: unknown): boolean {
  return messageMatch(err, /^writer \S+ of group \S+ no longer holds the \S+ role$/) !== null;
}

/**
 * A refusal for its writer's right rather than for what the update holds, which is expected and not an error:
 * anonymity turned on between the write and its commit (docs/architecture.md, "Member ids"), or its writer
 * demoted or removed on another process before this one heard (docs/architecture.md, "Roles at the commit").
 * Why it was not stored, and what is logged; null for any other refusal.
 */
export function writerRefused(err: unknown): { reason: "renamed" | "forbidden"; message: string } | null {
  if (staleMemberId(err)) return { reason: "renamed", message: "update written under a member id since drawn again not stored" };
  if (writerLacksRole(err)) return { reason: "forbidden", message: "update by a writer no longer holding the role it needs not stored" };
  return null;
}

/**
 * Whether the database refused a write because the article (or its group) it belongs to is gone: a
 * foreign key to either, broken by a deletion that committed first. Deletion is for good, so the
 * document stores nothing more, and its writers are told the article is gone.
 */
export function articleGone(err: unknown): boolean {
  for (const e of causes(err)) {
    if ((e as { code?: unknown }).code !== "23503") continue;
    // postgres.js names the constraint in `constraint_name`, PGlite in `constraint`; both in the message.
    const named = e as { constraint_name?: unknown; constraint?: unknown; message?: unknown };
    const constraint = [named.constraint_name, named.constraint, /foreign key constraint "([^"]+)"/.exec(String(named.message))?.[1]].find((c) => typeof c === "string");
    return typeof constraint === "string" && /_(article_id_articles|group_id_groups)_id_fk$/.test(constraint);
  }
  return false;
}

/** Building an annotation's projection row threw: the document holds a value the projection cannot take. */
export class ProjectionError extends Error {
  constructor(cause: unknown) {
    super(`the projection could not be built: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "ProjectionError";
  }
}

/** A commit hook found that an update breaks the policy against what is stored (hooks/locked-verdicts.ts). */
export class RefusedAtCommit extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedAtCommit";
  }
}

/**
 * Why an update was not stored:
 * - `refused`: the database will not take it (it breaks a constraint, or its article is gone);
 * - `gone`: its article was deleted, and what was queued for it was discarded;
 * - `renamed`: it was written under a member id its group has since drawn again (anonymity turned on);
 * - `forbidden`: its writer no longer held, when it committed, the role it needs (demoted or removed);
 * - `reloaded`: an earlier update of the same document was refused, and this one may build on it;
 *   the document is reloaded from what is stored, and the sender may send it again;
 * - `shutdown`: the server stopped before it could be written.
 */
export type NotStoredReason = "refused" | "renamed" | "forbidden" | "gone" | "reloaded" | "shutdown";

/** The rejection of an update's durability promise (GroupCommitter.enqueue). */
export class UpdateNotStoredError extends Error {
  constructor(
    readonly reason: NotStoredReason,
    readonly docName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UpdateNotStoredError";
  }
}

/** The error a committer's promise rejects with when an update of `source` (persist.ts) is not stored. */
export function notStored(reason: NotStoredReason, source: { context: { docName: string } }, cause?: unknown): UpdateNotStoredError {
  const message = {
    refused: "the update could not be stored",
    renamed: "the update was written under a member id the group has since changed",
    forbidden: "the writer's role in the group no longer allows the update",
    gone: "the article was deleted",
    reloaded: "another update of this document could not be stored; the document is being reloaded",
    shutdown: "the server is shutting down",
  }[reason];
  return new UpdateNotStoredError(reason, source.context.docName, message, cause === undefined ? undefined : { cause });
}

/**
 * Whether an update not stored was refused, for its content (unreadable, or not taken by the database) or for
 * its writer's right (a member id the group no longer gives, a role no longer held): what `marginalia_updates_refused_total` counts.
 * A stop, a reload after another update's refusal, a deleted article or an unexpected failure refused nothing
 * of the sender's: their updates are sent again, or have nowhere to go.
 */
export function refusedByServer(err: Error): boolean {
  if (err instanceof UnreadableUpdate) return true;
  return err instanceof UpdateNotStoredError && (err.reason === "refused" || err.reason === "renamed" || err.reason === "forbidden");
}

/** The close code for an update that was not stored, by why (docs/sync.md, "Close codes"). */
export function closeForNotStored(err: Error): [number, string] {
  if (err instanceof UnreadableUpdate) return [CLOSE_CODES.badMessage, "malformed update"];
  if (!(err instanceof UpdateNotStoredError)) return [CLOSE_CODES.internal, "update not stored"];
  switch (err.reason) {
    case "refused":
      return [CLOSE_CODES.notStored, "update could not be stored"];
    case "renamed":
      return [CLOSE_CODES.membersRenamed, "the group's member ids changed"];
    case "forbidden":
      return [CLOSE_CODES.forbidden, "your role no longer allows this"];
    case "gone":
      return [CLOSE_CODES.gone, "the article was deleted"];
    case "reloaded":
      return [CLOSE_CODES.internal, "the document is being reloaded"];
    case "shutdown":
      return [CLOSE_CODES.goingAway, "server shutting down"];
  }
}
