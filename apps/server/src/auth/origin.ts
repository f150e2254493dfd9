import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for cookie-authenticated writes. Browsers
 * send Origin on every cross-origin POST, so a foreign Origin is refused;
 * clients without cookies (curl, API tokens) are not at risk and pass.
 */
export const checkOrigin = createMiddleware<AppEnv>(async (c, next) => {
  if (!SAFE_METHODS.has(c.req.method) && c.get("auth")?.via === "session") {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    const publicOrigin = c.get("deps").config.publicOrigin;
    if ((origin && !isAllowedOrigin(origin, publicOrigin)) || site === "cross-site") {
      // The usual cause is the app opened at another name for the same server (127.0.0.1 for localhost):
      // the message names the address that works. The public origin is no secret; it is in every link we mail.
      throw new ApiError("forbidden", `Cross-origin request refused: this server takes writes from pages at ${publicOrigin} only`);
    }
  }
  await next();
});

export function isAllowedOrigin(origin: string, publicOrigin: string): boolean {
  return origin === publicOrigin;
}
