import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { type PublicUser, apiTokens, sessions, users } from "@marginalia/schema/tables";
import { type Db, type Tx, boundLockWaits } from "../db.ts";
import { generateSecureRandomString, hashSecret, secretMatches, splitCredential } from "./secrets.ts";

/** Recognisable prefix, so that a leaked token is easy to spot in logs and by secret scanners. */
const PREFIX = "mgt_";

/** What a token may do beyond reading and writing annotations as its user. */
export const TOKEN_SCOPES = ["tokens"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** The credential a token is minted with, which must still be live when the token is written. */
export type Minter = { sessionId: string } | { tokenId: string };

/**
 * Null when `minter` was ended meanwhile. The user row is held (FOR SHARE) while the token is written:
 * ending the account's credentials holds it FOR UPDATE (services/users.ts), so a token minted at that
 * moment either committed first and is revoked there, or waits and finds its minter gone.
 */
export async function createApiToken(db: Db, userId: string, name: string, scopes: readonly TokenScope[] = [], minter?: Minter) {
  const id = generateSecureRandomString();
  const secret = generateSecureRandomString();
  return db.transaction(async (tx) => {
    await boundLockWaits(tx);
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("share");
    if (minter && !(await stillLive(tx, minter))) return null;
    const [row] = await tx
      .insert(apiTokens)
      .values({ id, userId, name, secretHash: hashSecret(secret), scopes: [...scopes], mintedBy: minter && "tokenId" in minter ? minter.tokenId : null })
      .returning({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, createdAt: apiTokens.createdAt });
    return { ...row!, token: `${PREFIX}${id}.${secret}` };
  });
}

async function stillLive(tx: Tx, minter: Minter): Promise<boolean> {
  const [row] =
    "sessionId" in minter
      ? await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, minter.sessionId))
      : await tx.select({ id: apiTokens.id }).from(apiTokens).where(and(eq(apiTokens.id, minter.tokenId), isNull(apiTokens.revokedAt)));
  return row !== undefined;
}

export async function validateApiToken(db: Db, token: string): Promise<{ tokenId: string; scopes: string[]; user: PublicUser } | null> {
  const parts = splitCredential(token, PREFIX);
  if (!parts) return null;
  const [row] = await db
    .select({
      secretHash: apiTokens.secretHash,
      lastUsedAt: apiTokens.lastUsedAt,
      scopes: apiTokens.scopes,
      user: { id: users.id, email: users.email, name: users.name },
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.id, parts.id), isNull(apiTokens.revokedAt)));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;
  // Coarse last-use stamp: once a minute is plenty for "is this token still in use?".
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, parts.id));
  }
  return { tokenId: parts.id, scopes: row.scopes, user: row.user };
}

export function listApiTokens(db: Db, userId: string) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      scopes: apiTokens.scopes,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      mintedBy: apiTokens.mintedBy,
    })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(desc(apiTokens.createdAt));
}

/**
 * Revokes the user's live token and every live token minted from it, at any depth: a leaked token with the
 * `tokens` scope could otherwise mint a child that outlives the revocation. Returns the ids revoked, for
 * closing their sockets; empty when the user has no such live token.
 */
export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<string[]> {
  // The driver's result is an array of rows; Db is typed for any driver.
  const rows = (await db.execute(sql`
    with recursive lineage(id) as (
      select ${apiTokens.id} from ${apiTokens}
      where ${apiTokens.id} = ${tokenId} and ${apiTokens.userId} = ${userId} and ${apiTokens.revokedAt} is null
      union
      select child.id from ${apiTokens} child join lineage on child.minted_by = lineage.id
      where child.revoked_at is null
    )
    update ${apiTokens} set revoked_at = now() where ${apiTokens.id} in (select id from lineage) returning ${apiTokens.id} as id`)) as unknown as { id: string }[];
  return rows.map((row) => row.id);
}

/** Revokes every live token of the user; returns their ids, for closing their sockets. */
export async function revokeApiTokensOf(db: Db | Tx, userId: string): Promise<string[]> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.map((row) => row.id);
}
