import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "./cookie.ts";
import { authFromApiToken } from "./credentials.ts";
import { sessionExpiresAt, validateSessionToken } from "./sessions.ts";

/**
 * Resolves the caller from a Bearer token or the session cookie. It never
 * rejects: routes that need a user call `requireAuth`.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const { db } = c.get("deps");
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  c.set("auth", null);
  if (bearer) {
    c.set("auth", await authFromApiToken(db, bearer));
  } else {
    const cookie = readSessionCookie(c);
    if (cookie) {
      const valid = await validateSessionToken(db, cookie);
      if (valid) {
        c.set("auth", { via: "session", user: valid.user, sessionId: valid.session.id });
        // Slide the browser's copy along with the server's expiry.
        if (valid.slid) setSessionCookie(c, cookie, sessionExpiresAt(valid.session));
      } else {
        clearSessionCookie(c);
      }
    }
  }
  await next();
});
