import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { AppEnv } from "../context.ts";

const WEB_ROOT = fileURLToPath(new URL("../../../web/", import.meta.url));
// The built app when there is one; until then the plain page in public/.
const ROOT = existsSync(path.join(WEB_ROOT, "dist/index.html")) ? path.join(WEB_ROOT, "dist") : path.join(WEB_ROOT, "public");

export const webRoutes = new Hono<AppEnv>()
  .use("*", serveStatic({ root: path.relative(process.cwd(), ROOT) }))
  // Client-side routes all land on the one page.
  .get("*", serveStatic({ path: path.relative(process.cwd(), path.join(ROOT, "index.html")) }));
