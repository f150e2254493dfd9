import { and, eq, sql } from "drizzle-orm";
import { type PublicUser, knownSignIns, passwordResets, users } from "@marginalia/schema/tables";
import { revokeApiTokensOf } from "../auth/api-tokens.ts";
import { hashPassword } from "../auth/password.ts";
import { invalidateUserSessions } from "../auth/sessions.ts";
import { type Db, type Tx, boundLockWaits, isUniqueViolation } from "../db.ts";
import { ApiError } from "../errors.ts";

export async function createUser(
  db: Db,
  input: { email: string; name: string; password: string },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  try {
    const [user] = await db
      .insert(users)
      // Stored lower-cased whoever calls, so that findUserByEmail always finds it.
      .values({ email: input.email.trim().toLowerCase(), name: input.name, passwordHash })
      .returning({ id: users.id, email: users.email, name: users.name });
    return user!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "An account with this email exists", "email");
    throw err;
  }
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return user;
}

/** What ending an account's credentials ended: the caller closes their sockets on every process. */
export type EndedCredentials = { sessionIds: string[]; tokenIds: string[] };
export type EndOptions = { keep?: string; revokeTokens: boolean };

/**
 * Ends a user's sessions (but `keep`), every reset link mailed to the account, the browsers it was known by
 * (auth/known-sign-ins.ts), and, with revokeTokens, API tokens, holding the user row FOR UPDATE to its commit, and moves its credentials version. A reset link
 * mailed before the owner changed the password or signed out everywhere would otherwise undo that: whoever
 * read the mail could still take the account (410 for it, as for a used link). Logins and token mints hold the row too while they
 * write (auth/sessions.ts, auth/api-tokens.ts): each either committed first and is ended here, or waits
 * and then finds the version moved (a login that checked its password before) or its minter gone.
 */
export async function endCredentialsOf(tx: Tx, userId: string, options: EndOptions): Promise<EndedCredentials> {
  await boundLockWaits(tx);
  const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, userId)).for("update");
  if (user) await tx.delete(passwordResets).where(eq(passwordResets.email, user.email));
  // A browser that spares sign-ins the account's pace from any address may be a thief's: the caller names again
  // the one that carries on (routes/auth.ts, knownAgainHere). Addresses stay: each still has its own backoff.
  await tx.delete(knownSignIns).where(and(eq(knownSignIns.userId, userId), eq(knownSignIns.kind, "device")));
  await tx.update(users).set({ credentialsVersion: sql`${users.credentialsVersion} + 1` }).where(eq(users.id, userId));
  const sessionIds = await invalidateUserSessions(tx, userId, options.keep);
  const tokenIds = options.revokeTokens ? await revokeApiTokensOf(tx, userId) : [];
  return { sessionIds, tokenIds };
}

/**
 * Replaces a hash made before passwords were normalized (auth/password.ts) by one of the normalized
 * password, the same password: no credential ends. Only over the hash that was checked, so that a
 * change committed meanwhile stands.
 */
export async function rehashPassword(db: Db, user: { id: string; passwordHash: string }, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.update(users).set({ passwordHash }).where(and(eq(users.id, user.id), eq(users.passwordHash, user.passwordHash)));
}

/** Sets a password and ends the account's other credentials in one transaction (see endCredentialsOf). */
export async function setPassword(db: Db, userId: string, password: string, options: EndOptions): Promise<EndedCredentials> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    // Bounded before the update, which already waits for the row a login or a mint holds.
    await boundLockWaits(tx);
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    return endCredentialsOf(tx, userId, options);
  });
}

export async function renameUser(db: Db, userId: string, name: string): Promise<PublicUser> {
  const [user] = await db.update(users).set({ name }).where(eq(users.id, userId)).returning({ id: users.id, email: users.email, name: users.name });
  if (!user) throw new ApiError("unauthenticated", "This account no longer exists");
  return user;
}
