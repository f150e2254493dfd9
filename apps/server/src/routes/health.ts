import { Hono } from "hono";
import type { AppEnv } from "../context.ts";
import { unmet } from "../readiness.ts";
import { documented } from "../openapi/describe.ts";
import { healthSchema, notReadySchema } from "../openapi/schemas/accounts.ts";

/**
 * /healthz: the process is alive, and nothing more, so that a supervisor
 * restarts it only when a restart helps (a database outage is not cured by one).
 * /readyz: it can serve now; a balancer sends it nothing while it answers 503.
 */
export const healthRoutes = new Hono<AppEnv>()
  .get("/healthz", documented({ tag: "meta", summary: "Liveness: the process runs (no dependency is checked)", auth: false, responses: { 200: "Alive" }, schemas: { 200: healthSchema } }), (c) => c.json({ status: "ok" }))
  .get("/readyz", documented({ tag: "meta", summary: "Readiness: the database answers within a second with this build's migrations, and the Redis relay (when configured) is connected", auth: false, responses: { 200: "Ready", 503: "Not ready: {status, missing: [\"database\" | \"migrations\" | \"relay\"]}" }, schemas: { 200: healthSchema, 503: notReadySchema } }), async (c) => {
    const { db, hub } = c.get("deps");
    const missing = await unmet(db, hub.relayConnected());
    return missing.length ? c.json({ status: "unavailable", missing }, 503) : c.json({ status: "ok" });
  });
