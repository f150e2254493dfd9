import { asc, eq, inArray } from "drizzle-orm";
import { pino } from "pino";
import { createAnnotation } from "@marginalia/schema";
import { annotations, docUpdates } from "@marginalia/schema/tables";
import type { Db } from "../../../src/db.ts";
import type { Logger } from "../../../src/logger.ts";
import { UpdateNotStoredError } from "../../../src/sync/persist/commit-errors.ts";
import { LiveDocument } from "../../../src/sync/document/document.ts";
import type { GroupCommitter, PersistSource } from "../../../src/sync/persist/persist.ts";
import type { DocContext } from "../../../src/sync/persist/projection.ts";

/*
 * The group commit's test bench, shared by the committer's own tests (group-commit.test.ts) and the
 * end-to-end ones (group-commit-e2e.test.ts): faults put in the database's way, and what was written.
 */

/** A logger whose lines the test reads. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** An error as the driver raises it when the database is away, wrapped as Drizzle wraps it. */
export function outage(code: string): Error {
  const cause = Object.assign(new Error(`connection failed (${code})`), { code });
  return Object.assign(new Error("Failed query: with log_inserted as (…) select 1"), { cause });
}

/**
 * The database as the committer sees it, with faults put in its way: `fault`
 * is asked before each statement and transaction, and what it returns (a
 * promise that fails, or never settles) is used instead.
 */
export function faulty(db: Db, fault: () => Promise<never> | null): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "execute" && prop !== "transaction") return Reflect.get(target, prop, receiver);
      return (...args: unknown[]) => fault() ?? (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

/**
 * The database, held: each statement or transaction waits until the test lets it go (`release`), so that
 * updates can be queued while a batch is under way. `started` counts the batches begun (one statement each).
 */
export function held(db: Db) {
  let started = 0;
  const gates: Array<() => void> = [];
  let arrived: (() => void) | null = null;
  const slow = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "execute" && prop !== "transaction") return Reflect.get(target, prop, receiver);
      return async (...args: unknown[]) => {
        started++;
        await new Promise<void>((resolve) => {
          gates.push(resolve);
          arrived?.();
        });
        return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    db: slow,
    started: () => started,
    /** Resolves once a statement waits. */
    waiting: () => (gates.length ? Promise.resolve() : new Promise<void>((resolve) => (arrived = resolve))),
    release: () => gates.shift()?.(),
  };
}

/** A live document whose changes go to `committer`, optionally through another source (to poison its projection). */
export function liveOn(committer: GroupCommitter, context: DocContext, wrap?: (live: LiveDocument) => PersistSource) {
  let source: PersistSource | null = null;
  const live: LiveDocument = new LiveDocument(context, { persist: (_s, update, userId, touched) => committer.enqueue(source!, update, userId, touched) }, null);
  source = wrap ? wrap(live) : live;
  return { live, source, write: (userId: string, body: string) => write(live, userId, body) };
}

function write(live: LiveDocument, userId: string, body: string): { id: string; durable: Promise<void> } {
  let id = "";
  const durable = live.change({ userId }, (doc) => {
    id = createAnnotation(doc, { kind: "comment", authorId: userId, body });
  });
  return { id, durable };
}

/** How each promise settled, in order: "ok", or the reason it was not stored. */
export async function outcomes(promises: Promise<void>[]): Promise<string[]> {
  return (await Promise.allSettled(promises)).map((r) =>
    r.status === "fulfilled" ? "ok" : r.reason instanceof UpdateNotStoredError ? r.reason.reason : `other: ${r.reason}`,
  );
}

export async function logRowsOf(db: Db, docName: string): Promise<Uint8Array[]> {
  const rows = await db.select({ update: docUpdates.update }).from(docUpdates).where(eq(docUpdates.docName, docName)).orderBy(asc(docUpdates.id));
  return rows.map((r) => new Uint8Array(r.update));
}

export async function projectedOf(db: Db, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ id: annotations.id }).from(annotations).where(inArray(annotations.id, ids));
  return rows.map((r) => r.id).sort();
}
