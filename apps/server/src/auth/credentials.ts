import type { Auth } from "../context.ts";
import type { Db } from "../db.ts";
import { validateApiToken } from "./api-tokens.ts";
import { type ValidSession, validateSessionToken } from "./sessions.ts";

// Who a credential belongs to, apart from any transport: the HTTP middleware and the sync admission both ask.

export async function authFromApiToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateApiToken(db, token);
  return valid && { via: "token", user: valid.user, tokenId: valid.tokenId, scopes: valid.scopes };
}

export async function authFromSessionToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateSessionToken(db, token);
  return valid && { via: "session", user: valid.user, sessionId: valid.session.id };
}

/** Session cookies one request may carry before none of them is looked at: each costs a lookup. */
const MAX_SESSION_COOKIES = 4;

/**
 * The session among a request's cookies of the session's name. A browser sends a cookie planted by a
 * sibling subdomain or an http page beside ours, often first; so of several, only one that is the single
 * valid session among them is used, and none when more than one is, since nothing tells which is the
 * browser's own (docs/architecture.md, "Accounts").
 */
export async function sessionAmong(db: Db, tokens: string[]): Promise<{ token: string; valid: ValidSession } | null> {
  if (tokens.length > MAX_SESSION_COOKIES) return null;
  const checked = await Promise.all(tokens.map(async (token) => ({ token, valid: await validateSessionToken(db, token) })));
  const valid = checked.filter((one): one is { token: string; valid: ValidSession } => one.valid !== null);
  return valid.length === 1 ? valid[0]! : null;
}

export async function authFromSessionCookies(db: Db, tokens: string[]): Promise<Auth | null> {
  const found = await sessionAmong(db, tokens);
  return found && { via: "session", user: found.valid.user, sessionId: found.valid.session.id };
}
