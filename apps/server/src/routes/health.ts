import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { unmet } from "../readiness.ts";

/**
 * /healthz: the process is alive, and nothing more, so that a supervisor
 * restarts it only when a restart helps (a database outage is not cured by one).
 * /readyz: it can serve now; a balancer sends it nothing while it answers 503.
 */
export const healthRoutes = new Hono<AppEnv>()
  .get("/healthz", (c) => c.json({ status: "ok" }))
  .get("/readyz", async (c) => {
    const { db, hub } = c.get("deps");
    const missing = await unmet(db, hub.relayConnected());
    return missing.length ? c.json({ status: "unavailable", missing }, 503) : c.json({ status: "ok" });
  });
