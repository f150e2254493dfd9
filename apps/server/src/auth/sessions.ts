import { and, eq, ne } from "drizzle-orm";
import { type PublicUser, sessions, users } from "@marginalia/schema/tables";
import { type Db, type Tx, boundLockWaits } from "../db.ts";
import { generateSecureRandomString, hashSecret, secretMatches, splitCredential } from "./secrets.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** A session lives 30 days past its last use (sliding expiry). */
export const SESSION_INACTIVITY_TIMEOUT_MS = 30 * DAY_MS;
/** Touch `last_verified_at` at most hourly, so that reads do not all become writes. */
const ACTIVITY_CHECK_INTERVAL_MS = 60 * 60 * 1000;

export type Session = { id: string; userId: string; lastVerifiedAt: Date };
/** `slid` says the expiry moved, so the cookie needs re-sending. */
export type ValidSession = { session: Session; user: PublicUser; slid: boolean };

export async function createSession(db: Db | Tx, userId: string): Promise<{ token: string; session: Session }> {
  const id = generateSecureRandomString();
  const secret = generateSecureRandomString();
  const now = new Date();
  await db.insert(sessions).values({
    id,
    userId,
    secretHash: hashSecret(secret),
    createdAt: now,
    lastVerifiedAt: now,
  });
  return { token: `${id}.${secret}`, session: { id, userId, lastVerifiedAt: now } };
}

/** The account as a login read it before checking the password: what must not have changed since. */
export type CheckedCredentials = { userId: string; credentialsVersion: number };

/**
 * A session for a login whose password was checked against the account as `checked` read it, made only
 * if no sign-out everywhere, password change or reset ended the account's sessions since: each moves
 * `credentials_version` (services/users.ts, endCredentialsOf), and null says it moved. The user row is
 * held (FOR SHARE) while the session is written, so an ending (which holds it FOR UPDATE to its commit)
 * either waits for this session and ends it, or has committed and this finds the version moved
 * (docs/architecture.md, "Accounts").
 */
export async function createSessionIfUnchanged(db: Db, checked: CheckedCredentials) {
  const { userId, credentialsVersion } = checked;
  return db.transaction(async (tx) => {
    await boundLockWaits(tx);
    const [still] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, userId), eq(users.credentialsVersion, credentialsVersion)))
      .for("share");
    return still ? createSession(tx, userId) : null;
  });
}

export async function validateSessionToken(db: Db, token: string): Promise<ValidSession | null> {
  const parts = splitCredential(token);
  if (!parts) return null;
  const [row] = await db
    .select({
      id: sessions.id,
      secretHash: sessions.secretHash,
      lastVerifiedAt: sessions.lastVerifiedAt,
      user: { id: users.id, email: users.email, name: users.name },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, parts.id));
  if (!row || !secretMatches(parts.secret, row.secretHash)) return null;

  const now = Date.now();
  if (now - row.lastVerifiedAt.getTime() >= SESSION_INACTIVITY_TIMEOUT_MS) {
    await db.delete(sessions).where(eq(sessions.id, row.id));
    return null;
  }
  const slid = now - row.lastVerifiedAt.getTime() >= ACTIVITY_CHECK_INTERVAL_MS;
  const lastVerifiedAt = slid ? new Date(now) : row.lastVerifiedAt;
  if (slid) await db.update(sessions).set({ lastVerifiedAt }).where(eq(sessions.id, row.id));
  return { session: { id: row.id, userId: row.user.id, lastVerifiedAt }, user: row.user, slid };
}

export function sessionExpiresAt(session: Session): Date {
  return new Date(session.lastVerifiedAt.getTime() + SESSION_INACTIVITY_TIMEOUT_MS);
}

/** Ends every session of a user but `keep`; returns the ended ids, for the sockets they opened. */
export async function invalidateUserSessions(db: Db | Tx, userId: string, keep?: string): Promise<string[]> {
  const ended = await db
    .delete(sessions)
    .where(keep ? and(eq(sessions.userId, userId), ne(sessions.id, keep)) : eq(sessions.userId, userId))
    .returning({ id: sessions.id });
  return ended.map((s) => s.id);
}

export async function invalidateSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}
