import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

export const healthRoutes = new Hono<AppEnv>().get("/healthz", async (c) => {
  try {
    await c.get("deps").db.execute(sql`select 1`);
    return c.json({ status: "ok" });
  } catch {
    return c.json({ status: "unavailable", reason: "database" }, 503);
  }
});
