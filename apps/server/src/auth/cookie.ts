import { deleteCookie, setCookie } from "hono/cookie";
import type { Config } from "../config.ts";
import type { AppContext } from "../context.ts";
import { KNOWN_FOR_MS } from "./known-sign-ins.ts";

/** The session cookie's name on plain http (local development); on https it carries the `__Host-` prefix. */
export const SESSION_COOKIE = "marginalia_session";

/**
 * A cookie's name as this deployment sends it. A Secure cookie is named `__Host-…`: browsers refuse that
 * name from a sibling subdomain, from an http page, or with a Domain or another Path, so nobody but this
 * origin can plant one beside ours ("cookie tossing", docs/architecture.md, "Accounts").
 */
export function cookieName(config: Pick<Config, "sessionCookieSecure">, base: string): string {
  return config.sessionCookieSecure ? `__Host-${base}` : base;
}

/** Every value the request's Cookie header gives `name`, in order: a planted cookie arrives beside the real one. */
export function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const pair of header?.split(";") ?? []) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      values.push(decodeURIComponent(value));
    } catch {
      values.push(value);
    }
  }
  return values;
}

/** The request's cookies of a name (as this deployment names it). */
export function readCookies(c: AppContext, base: string): string[] {
  return cookieValues(c.req.header("cookie"), cookieName(c.get("deps").config, base));
}

/** Names the browser to the login backoff (auth/login-backoff.ts): a browser an account signed in with skips its pace. */
export const DEVICE_COOKIE = "marginalia_device";

/**
 * Sets this browser's device cookie for another month: the known one it sent, or a new one, remembered for
 * the account (at sign-in, and when a session slides, since holding the session proves as much).
 */
export async function renewDeviceCookie(c: AppContext, user: { id: string; email: string }): Promise<void> {
  const device = await c.get("deps").rateLimits.deviceFor(user, readCookies(c, DEVICE_COOKIE));
  setSiteCookie(c, DEVICE_COOKIE, device, new Date(Date.now() + KNOWN_FOR_MS));
}

export const readSessionCookies = (c: AppContext): string[] => readCookies(c, SESSION_COOKIE);

/** An HttpOnly, SameSite=Lax cookie for the whole site, Secure (and `__Host-`) as configured. */
export function setSiteCookie(c: AppContext, base: string, value: string, expiresAt: Date): void {
  const { config } = c.get("deps");
  setCookie(c, cookieName(config, base), value, {
    httpOnly: true,
    sameSite: "Lax",
    secure: config.sessionCookieSecure,
    path: "/",
    expires: expiresAt,
  });
}

export function setSessionCookie(c: AppContext, token: string, expiresAt: Date): void {
  setSiteCookie(c, SESSION_COOKIE, token, expiresAt);
}

export function clearSessionCookie(c: AppContext): void {
  const { config } = c.get("deps");
  deleteCookie(c, cookieName(config, SESSION_COOKIE), {
    httpOnly: true,
    sameSite: "Lax",
    secure: config.sessionCookieSecure,
    path: "/",
  });
}
