import { createMiddleware } from "hono/factory";
import type { AppEnv, Auth } from "../context.ts";
import { ApiError } from "../errors.ts";
import { recheckLater } from "../http/access-recheck.ts";
import { clientIp } from "../http/client-ip.ts";
import { clearSessionCookie, readSessionCookies, renewDeviceCookie, setSessionCookie } from "./cookie.ts";
import { authFromApiToken, authFromSessionToken, sessionAmong } from "./credentials.ts";
import { sessionExpiresAt } from "./sessions.ts";

/**
 * Resolves the caller from a Bearer token or the session cookie. It never
 * rejects: routes that need a user call `requireAuth`.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const { db, rateLimits } = c.get("deps");
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  c.set("auth", null);
  if (bearer) {
    const auth = await authFromApiToken(db, bearer);
    c.set("auth", auth);
    if (auth) recheckLater(c, () => stillSignedIn(auth, authFromApiToken(db, bearer)));
  } else {
    const cookies = readSessionCookies(c);
    if (cookies.length) {
      const { token: cookie, valid } = (await sessionAmong(db, cookies)) ?? {};
      if (cookie && valid) {
        const auth: Auth = { via: "session", user: valid.user, sessionId: valid.session.id };
        c.set("auth", auth);
        recheckLater(c, () => stillSignedIn(auth, authFromSessionToken(db, cookie)));
        // Whoever holds a session is the owner: from this address, the account's login pace does not apply to them.
        // (Written at most hourly per address and process: known-sign-ins.ts.)
        await rateLimits.recordSignedIn(valid.user, clientIp(c));
        if (valid.slid) {
          // Slide the browser's copy along with the server's expiry, and keep the browser known as long.
          setSessionCookie(c, cookie, sessionExpiresAt(valid.session));
          await renewDeviceCookie(c, valid.user);
        }
      } else if (cookies.length === 1) {
        // Of several, one may be the browser's real session: a clearing Set-Cookie could delete it.
        clearSessionCookie(c);
      }
    }
  }
  await next();
});

/** A session ended, or a token revoked, while the request's body was on its way: 401, as for the next request. */
async function stillSignedIn(before: Auth, now: Promise<Auth | null>): Promise<void> {
  const auth = await now;
  if (!auth || auth.user.id !== before.user.id) {
    throw new ApiError("unauthenticated", "The session ended, or the token was revoked, while the request was being sent");
  }
}
