import { describe, expect, it } from "vitest";
import { READ_ATTEMPTS, retryRead, retryReadsOf } from "./retried-reads.ts";

const coded = (code: string) => Object.assign(new Error(code), { code });
/** As Drizzle wraps the driver's error. */
const wrapped = (cause: Error) => new Error("Failed query", { cause });

/** A read that fails with each of `errors` in turn, then answers "rows". */
function failing(...errors: Error[]) {
  let sent = 0;
  const read = async () => {
    const err = errors[sent++];
    if (err) throw err;
    return "rows";
  };
  return { read, sent: () => sent };
}

describe("retryRead", () => {
  it.each(["CONNECTION_CLOSED", "ECONNRESET", "57P01", "08006"])("sends a read again after %s", async (code) => {
    const read = failing(wrapped(coded(code)));
    expect(await retryRead(read.read)).toBe("rows");
    expect(read.sent()).toBe(2);
  });

  it("gives up after READ_ATTEMPTS with the last error", async () => {
    const errors = Array.from({ length: READ_ATTEMPTS + 1 }, (_, i) => coded(i < READ_ATTEMPTS - 1 ? "CONNECTION_CLOSED" : "ECONNRESET"));
    const read = failing(...errors);
    await expect(retryRead(read.read)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(read.sent()).toBe(READ_ATTEMPTS);
  });

  // A statement the database refuses fails the same way again; a database out of reach for the driver's whole
  // connect timeout would keep the caller that long again for each attempt.
  it.each(["42P01", "23505", "CONNECT_TIMEOUT"])("does not send it again after %s", async (code) => {
    const read = failing(wrapped(coded(code)));
    await expect(retryRead(read.read)).rejects.toThrow();
    expect(read.sent()).toBe(1);
  });
});

describe("retryReadsOf", () => {
  /** A stand-in for Drizzle's session: each prepared statement fails once with a cut connection. */
  function database() {
    const sent: string[] = [];
    const prepared = (sql: string) => {
      let failed = false;
      const run = async () => {
        sent.push(sql);
        if (!failed) {
          failed = true;
          throw wrapped(coded("CONNECTION_CLOSED"));
        }
        return [sql];
      };
      return { execute: run, all: run };
    };
    const session = { prepareQuery: (query: { sql: string }) => prepared(query.sql) };
    const db = { session };
    retryReadsOf(db);
    return { session, sent };
  }

  it("sends a SELECT again on the database's own session", async () => {
    const { session, sent } = database();
    expect(await session.prepareQuery({ sql: 'select "id" from "annotations"' }).execute()).toEqual(['select "id" from "annotations"']);
    expect(await session.prepareQuery({ sql: "select 1" }).all()).toEqual(["select 1"]);
    expect(sent).toHaveLength(4);
  });

  it.each(["insert into flags values ($1)", "update annotations set body = $1", "delete from flags", "with moved as (delete from flags returning id) select id from moved"])(
    "never sends %s again: it may have been done",
    async (sql) => {
      const { session, sent } = database();
      await expect(session.prepareQuery({ sql }).execute()).rejects.toThrow();
      expect(sent).toEqual([sql]);
    },
  );
});
