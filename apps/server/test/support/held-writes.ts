import { AsyncLocalStorage } from "node:async_hooks";
import type { Db } from "../../src/db.ts";

/**
 * Holds one request just before its first write, so that a test can change the world in the gap between
 * the request's access checks and what it stores: a race made to happen every time instead of by luck.
 *
 * The gate sits in the test file's own Db (each file opens its own database, so no other file sees it):
 * Drizzle's session under it is wrapped so that, inside a request sent through `hold`, the first
 * transaction begun or INSERT/UPDATE/DELETE run outside one waits for `release`. Everything else, and
 * every request sent otherwise, passes straight through.
 */
type Hold = { reach: () => Promise<void>; at: RegExp; transactions: boolean };

const WRITE = /^\s*(insert|update|delete)\b/i;
const installed = new WeakMap<Db, AsyncLocalStorage<Hold>>();

type Session = {
  transaction: (...args: unknown[]) => Promise<unknown>;
  prepareQuery: (query: { sql: string }, ...rest: unknown[]) => { execute: (...args: unknown[]) => Promise<unknown> };
};

function storageOf(db: Db): AsyncLocalStorage<Hold> {
  const found = installed.get(db);
  if (found) return found;
  const storage = new AsyncLocalStorage<Hold>();
  const holder = db as unknown as { session: Session };
  const session = holder.session;
  holder.session = new Proxy(session, {
    get(target, key) {
      if (key === "transaction") {
        return async (...args: unknown[]) => {
          const hold = storage.getStore();
          if (hold?.transactions) await hold.reach();
          return target.transaction(...args);
        };
      }
      if (key === "prepareQuery") {
        return (query: { sql: string }, ...rest: unknown[]) => {
          const prepared = target.prepareQuery(query, ...rest);
          const hold = storage.getStore();
          if (!hold?.at.test(query.sql)) return prepared;
          const execute = prepared.execute.bind(prepared);
          prepared.execute = async (...args: unknown[]) => (await hold.reach(), execute(...args));
          return prepared;
        };
      }
      return Reflect.get(target, key, target);
    },
  });
  installed.set(db, storage);
  return storage;
}

/** Sends a request that stops before its first write; `reached` says it got there, `release` lets it go on. */
export function holdBeforeWrite<T>(db: Db, send: () => Promise<T>) {
  return hold(db, { at: WRITE, transactions: true }, send);
}

/**
 * As holdBeforeWrite, but the request stops before the first statement outside a transaction whose SQL
 * matches `at`: for a gap that opens at a read.
 */
export function holdBeforeQuery<T>(db: Db, at: RegExp, send: () => Promise<T>) {
  return hold(db, { at, transactions: false }, send);
}

function hold<T>(db: Db, where: Pick<Hold, "at" | "transactions">, send: () => Promise<T>) {
  const storage = storageOf(db);
  let reached!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const gatekeeper: Hold = {
    ...where,
    reach: async () => {
      if (!first) return;
      first = false;
      reached();
      await gate;
    },
  };
  const answer = storage.run(gatekeeper, send);
  return { reached: arrived, release, answer };
}
