import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../context.ts";
import { listGroupsOf } from "../services/groups.ts";

export const meRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const auth = requireAuth(c);
  const groups = await listGroupsOf(c.get("deps").db, auth.user.id);
  return c.json({ user: auth.user, via: auth.via, groups });
});
