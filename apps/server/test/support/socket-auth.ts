import { SESSION_COOKIE } from "../../src/auth/cookie.ts";

/**
 * How a test's socket presents its credential, as real clients do
 * (docs/sync.md, "Connect"): an API token in `?token=`, a session in the cookie
 * header, as a browser sends it. Sessions are never put in a URL.
 */
export function socketAuth(token: string): { params: Record<string, string>; headers: Record<string, string> } {
  return token.startsWith("mgt_") ? { params: { token }, headers: {} } : { params: {}, headers: { cookie: `${SESSION_COOKIE}=${token}` } };
}

/** `?token=…` for an API token, or nothing, to append to a socket URL after `?` or `&`. */
export function tokenQuery(token: string): string {
  return new URLSearchParams(socketAuth(token).params).toString();
}
