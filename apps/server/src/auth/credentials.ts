import type { Auth } from "../context.ts";
import type { Db } from "../db.ts";
import { validateApiToken } from "./api-tokens.ts";
import { validateSessionToken } from "./sessions.ts";

// Who a credential belongs to, apart from any transport: the HTTP middleware and the sync admission both ask.

export async function authFromApiToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateApiToken(db, token);
  return valid && { via: "token", user: valid.user, tokenId: valid.tokenId, scopes: valid.scopes };
}

export async function authFromSessionToken(db: Db, token: string): Promise<Auth | null> {
  const valid = await validateSessionToken(db, token);
  return valid && { via: "session", user: valid.user, sessionId: valid.session.id };
}
