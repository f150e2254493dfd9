import type postgres from "postgres";

/**
 * The postgres.js client as Drizzle should see it: every query a named
 * statement, prepared once per connection and reused.
 *
 * Drizzle runs its queries as unnamed statements (`prepare: false`, unless a
 * query is given a name), and postgres.js cannot send parameters before it
 * knows their types: it first asks the server to describe the statement and
 * waits for the answer, then binds and executes. That is two round trips for
 * every query with a parameter, the group commit's included. A named
 * statement is described once, the first time a connection sees its text.
 *
 * What this caches is bounded: the server's statements are texts in this
 * code (a list's length gives a new text, so at most one per length), and
 * postgres.js retires each connection, and its statements, after 30 to 60
 * minutes (its `max_lifetime`). A pooler in transaction mode cannot keep
 * named statements; Marginalia connects to Postgres directly
 * (docs/architecture.md, "Persistence and the commit", "One round trip per query").
 */
export function namedStatements<T extends postgres.Sql<any>>(client: T): T {
  return new Proxy(client, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (key === "unsafe") {
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          value.call(target, query, params, { ...options, prepare: true });
      }
      // A transaction's queries run on the client it is handed, which needs the same treatment.
      if (key === "begin" || key === "savepoint") {
        return (...args: unknown[]) =>
          value.apply(
            target,
            args.map((arg) => (typeof arg === "function" ? (tx: postgres.Sql<any>) => arg(namedStatements(tx)) : arg)),
          );
      }
      return value;
    },
  });
}
