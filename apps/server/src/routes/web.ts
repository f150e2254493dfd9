import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { isWebPath } from "@marginalia/schema";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

const WEB_ROOT = fileURLToPath(new URL("../../../web/", import.meta.url));
// The built app when there is one; until then the plain page in public/.
const ROOT = existsSync(path.join(WEB_ROOT, "dist/index.html")) ? path.join(WEB_ROOT, "dist") : path.join(WEB_ROOT, "public");

const appPage = serveStatic({ path: path.relative(process.cwd(), path.join(ROOT, "index.html")) });

const READ = ["GET", "HEAD"];

export const webRoutes = new Hono<AppEnv>()
  // Files and pages are only read: a write to one is refused as the API refuses a method it lacks.
  .on(READ, "*", serveStatic({ root: path.relative(process.cwd(), ROOT) }))
  // The app's own pages land on the one page; anything else falls through to the 404.
  .get("*", (c, next) => (isWebPath(c.req.path) ? appPage(c, next) : next()))
  .all("*", (c, next) => {
    if (READ.includes(c.req.method) || !isWebPath(c.req.path)) return next();
    throw Object.assign(new ApiError("method_not_allowed", `${c.req.method} is not allowed on a page: use GET`), { allow: READ });
  });
