import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

/**
 * How long the database gets to answer. While it is away the driver does not
 * fail a query at once: it holds it until its next reconnection attempt, and
 * those come further and further apart. A health check must not wait with it.
 */
export const HEALTH_DATABASE_TIMEOUT_MS = 1_000;

export const healthRoutes = new Hono<AppEnv>().get("/healthz", async (c) => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("the database did not answer in time")), HEALTH_DATABASE_TIMEOUT_MS);
  });
  try {
    // The query is not cancelled when it is late; it settles, unobserved, whenever the driver gets to it.
    await Promise.race([c.get("deps").db.execute(sql`select 1`), late]);
    return c.json({ status: "ok" });
  } catch {
    return c.json({ status: "unavailable", reason: "database" }, 503);
  } finally {
    clearTimeout(timer);
  }
});
