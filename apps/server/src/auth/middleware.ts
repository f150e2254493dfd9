import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../context.ts";
import type { Db } from "../db.ts";
import { validateApiToken } from "./api-tokens.ts";
import { clearSessionCookie, readSessionCookie, setSessionCookie } from "./cookie.ts";
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

export async function authFromApiToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateApiToken(db, token);
  return valid && { via: "token", user: valid.user, tokenId: valid.tokenId, scopes: valid.scopes };
}

export async function authFromSessionToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateSessionToken(db, token);
  return valid && { via: "session", user: valid.user, sessionId: valid.session.id };
}
