import net from "node:net";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { NO_SHARED_POSTGRES, requiredInCi } from "../support/ci.ts";

/**
 * postgres.js (patches/postgres@3.4.9.patch) when a connection to the database is cut under it, as a
 * failover, a proxy or an administrator does, or a query fails part way. Unpatched, the driver ended the
 * process from callbacks nothing could catch (a statement of a transaction whose connection had closed,
 * written from an immediate; a cut while it read the database's array types), ran a cut transaction's later
 * statements on the session that replaced it, handed a query another's leftover rows or error, and left a
 * query given to a connection between its socket's error and its close unanswered for as long as the
 * reconnected backend lived. Each case must instead fail the queries it concerns, catchably, and leave the
 * process and the pool serving.
 */

const url = process.env.TEST_DATABASE_URL;
requiredInCi("driver-connection-loss.test", url ? null : NO_SHARED_POSTGRES);

const clients: postgres.Sql[] = [];
const client = (target: string, options: postgres.Options<Record<string, never>> = {}) => {
  const sql = postgres(target, { max: 1, onnotice: () => {}, ...options });
  clients.push(sql);
  return sql;
};

afterAll(async () => {
  await Promise.all(clients.map((sql) => sql.end({ timeout: 1 })));
});

/**
 * A proxy to the database that passes bytes both ways until the client sends a message containing
 * `marker`; then it resets both connections (an RST, as a dead peer's kernel answers) without passing it on.
 */
async function cuttingProxy(target: URL, marker: string): Promise<{ url: string; cuts: () => number; close: () => void }> {
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.on("data", (chunk) => {
      if (chunk.includes(marker)) {
        cuts++;
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.writable && client.write(chunk));
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const proxied = new URL(target.href);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  return { url: proxied.href, cuts: () => cuts, close: () => server.close() };
}

describe.runIf(!!url)("postgres.js when the database connection is cut", () => {
  it("fails a query sent in a transaction whose connection was cut, instead of ending the process", async () => {
    const admin = client(url!);
    const sql = client(url!);
    let afterCut: unknown = null;
    let connectionClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    const outcome = await sql
      .begin(async (tx) => {
        const [backend] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await admin`select pg_terminate_backend(${backend!.pid})`;
        // The transaction's own code goes on once its connection has closed, and sends its next statement.
        await closed;
        afterCut = await tx`select 1`.catch((err: unknown) => err);
      })
      .then(
        () => "committed",
        (err: unknown) => err,
      );
    // The transaction is settled when its connection closes (postgres.js races it against the close).
    connectionClosed();
    expect(outcome).not.toBe("committed");
    await expect.poll(() => afterCut, { timeout: 5_000 }).toBeInstanceOf(Error);
    expect((afterCut as { code?: string }).code).toBe("CONNECTION_CLOSED");
    // The client reconnects for the next query.
    expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
  });

  it("never runs a statement of a transaction whose connection was cut on the session that replaced it", async () => {
    const admin = client(url!);
    const sql = client(url!);
    let cut = () => {};
    const wasCut = new Promise<void>((resolve) => (cut = resolve));
    let stale: unknown = null;
    let pids: number[] = [];
    const outcome = sql
      .begin(async (tx) => {
        const [first] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await admin`select pg_terminate_backend(${first!.pid})`;
        await wasCut;
        // Another caller is given the pool's one connection, reconnected; the transaction's code goes on.
        const [next] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        pids = [first!.pid, next!.pid];
        stale = await tx`select pg_backend_pid() as pid`.catch((err: unknown) => err);
      })
      .catch((err: unknown) => {
        cut();
        return err;
      });
    expect(await outcome).toBeInstanceOf(Error);
    await expect.poll(() => stale, { timeout: 5_000 }).not.toBeNull();
    expect(pids[1]).not.toBe(pids[0]);
    // Unpatched, it ran on the new session, outside any transaction, and answered with the new backend.
    expect(stale).toBeInstanceOf(Error);
    expect((stale as { code?: string }).code).toBe("CONNECTION_CLOSED");
  });

  it("fails the first query of a connection cut while it reads the array types, instead of ending the process", async () => {
    const proxy = await cuttingProxy(new URL(url!), "pg_catalog.pg_type");
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const sql = client(proxy.url, { connect_timeout: 5 });
      const first = await sql`select 1 as n`.then(
        () => "answered",
        (err: unknown) => err,
      );
      expect(proxy.cuts()).toBeGreaterThan(0);
      expect(first).toBeInstanceOf(Error);
      expect((first as { code?: string }).code).toBe("ECONNRESET");
      // Node reports a rejection nobody handled once the microtasks of its turn have run.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      proxy.close();
    }
  });
});

/**
 * A query that fails after the database has sent some of its rows (an error on a row, a cancel, its
 * backend ended) never gets to the message where postgres.js resets its count of rows. Unpatched, the
 * next query on the same connection, on the same socket or the one that replaced it, stored its rows
 * after that many empty slots: [undefined, undefined, row, row]. Drizzle read the first as no row, which
 * answered 404 for an existing article and 401 for a live session, or 500 reading a column of nothing.
 * When the backend ended, the FATAL error it sent before closing was also kept, and failed the first
 * query of the new connection with another query's error.
 */
describe.runIf(!!url)("postgres.js after a query fails part way through its rows", () => {
  const failsAtRow3 = {
    "an error on a row": "select x, 10 / (3 - x) as q from generate_series(1, 5) as x",
    "its backend ended": "select x, case when x = 3 then pg_terminate_backend(pg_backend_pid()) end as q from generate_series(1, 5) as x",
  };
  it.each(Object.entries(failsAtRow3))("gives the next query exactly its own rows after %s", async (_, failing) => {
    const sql = client(url!);
    await sql`select 0`;
    await expect(sql.unsafe(failing)).rejects.toThrow();
    expect(await sql`select 'a' as k union all select 'b'`).toEqual([{ k: "a" }, { k: "b" }]);
    // Drizzle's way of asking: a named statement, rows as arrays.
    await expect(sql.unsafe(failing, [], { prepare: true }).values()).rejects.toThrow();
    expect(await sql.unsafe("select $1::text as k", ["c"], { prepare: true }).values()).toEqual([["c"]]);
  });
});


/**
 * A cut connection's socket reports its error a turn of the event loop before it closes, and postgres.js
 * fails the connection's queries at the error but gives the connection up only at the close. A query sent
 * in between (a read sent again at once after that error, the ROLLBACK of a transaction whose statement it
 * failed) was handed the same connection: nothing was written for it, and the close, having had an error,
 * failed none of what was left. The query then waited on the reconnected connection for an answer that
 * never came, and held that connection with it, until its backend was next ended.
 */
describe.runIf(!!url)("postgres.js between a cut socket's error and its close", () => {
  /** A pool of one connection through a proxy that resets it at "cut_here", opened; `closed` once the reset closed it. */
  async function cutOnce(run: (sql: postgres.Sql, closed: Promise<void>) => Promise<void>) {
    const proxy = await cuttingProxy(new URL(url!), "cut_here");
    let connectionClosed = () => {};
    const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
    try {
      const sql = client(proxy.url, { onclose: () => connectionClosed() });
      expect(await sql`select 0 as n`).toEqual([{ n: 0 }]);
      await run(sql, closed);
    } finally {
      proxy.close();
    }
  }

  /** What `query` settles with, "pending" until then. */
  function settled(query: Promise<unknown>) {
    const outcome = { value: "pending" as unknown };
    void query.then(
      (rows) => (outcome.value = rows),
      (err: unknown) => (outcome.value = err),
    );
    return outcome;
  }

  it("fails a query given to the connection in between, and serves the next ones on a fresh connection", () =>
    cutOnce(async (sql, closed) => {
      let resent = settled(Promise.resolve());
      const first = await sql.unsafe("select 'cut_here' as k").catch((err: unknown) => {
        // The read sent again in the turn its failure arrives, as a retry without a pause does.
        resent = settled(sql`select 1 as n`);
        return err;
      });
      expect((first as { code?: string }).code).toBe("ECONNRESET");
      await closed;
      // The pool's one connection is opened afresh for this query.
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
      // Failed at the close at the latest, before the connection was opened again.
      expect(resent.value).toBeInstanceOf(Error);
      expect((resent.value as { code?: string }).code).toBe("CONNECTION_CLOSED");
      // Unpatched, the connection stayed taken by the query that was never sent, and this one waited.
      expect(await sql`select 3 as n`).toEqual([{ n: 3 }]);
    }));

  it("fails the ROLLBACK a transaction sends when its statement's socket erred, and serves the next queries", () =>
    cutOnce(async (sql, closed) => {
      // The transaction's code fails with the cut and postgres.js sends ROLLBACK at once, on the same connection.
      const outcome = await sql.begin((tx) => tx.unsafe("select 'cut_here' as k")).catch((err: unknown) => err);
      expect(outcome).toBeInstanceOf(Error);
      await closed;
      expect(await sql`select 2 as n`).toEqual([{ n: 2 }]);
      // Unpatched, the ROLLBACK never sent became the reconnected connection's query, and held it from here on.
      const next = settled(sql`select 3 as n`);
      await expect.poll(() => next.value, { timeout: 10_000 }).toEqual([{ n: 3 }]);
    }));
});
