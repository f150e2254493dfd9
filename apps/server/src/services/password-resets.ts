import { and, eq, gt, lt, notExists, or } from "drizzle-orm";
import { type PublicUser, passwordResets, users } from "@marginalia/schema/tables";
import { hashPassword } from "../auth/password.ts";
import { type Session, createSession } from "../auth/sessions.ts";
import { generateSecureRandomString, hashSecret } from "../auth/secrets.ts";
import { type Db, boundLockWaits } from "../db.ts";
import { ApiError } from "../errors.ts";
import type { Mailer } from "../mail/mailer.ts";
import { noAccountToResetMail, passwordResetMail } from "../mail/templates.ts";
import { type EndedCredentials, endCredentialsOf } from "./users.ts";

/** How long a reset link works: long enough to reach a mailbox, short enough that an old mail is useless. */
export const PASSWORD_RESET_TTL_MS = 60 * 60 * 1000;

const gone = () => new ApiError("gone", "This reset link has expired or was already used; ask for a new one", "token");

/**
 * Mails a reset link to an address with an account, and a notice to one without. Both paths run the same
 * statements, a written row and its commit included (the row is taken back when there is no account), and
 * hand one message to the mailer, which delivers after the answer: neither the answer nor its timing tells
 * whether the address has an account. A new link replaces the address's older ones.
 */
export async function requestPasswordReset(db: Db, mailer: Mailer, origin: string, address: string): Promise<void> {
  const email = address.trim().toLowerCase();
  const token = generateSecureRandomString();
  const hasAccount = await db.transaction(async (tx) => {
    await tx.delete(passwordResets).where(or(eq(passwordResets.email, email), lt(passwordResets.expiresAt, new Date())));
    const [reset] = await tx
      .insert(passwordResets)
      .values({ email, tokenHash: hashSecret(token), expiresAt: new Date(Date.now() + PASSWORD_RESET_TTL_MS) })
      .returning({ id: passwordResets.id });
    const withdrawn = await tx
      .delete(passwordResets)
      .where(and(eq(passwordResets.id, reset!.id), notExists(tx.select({ id: users.id }).from(users).where(eq(users.email, email)))))
      .returning({ id: passwordResets.id });
    return withdrawn.length === 0;
  });
  mailer.send(hasAccount ? passwordResetMail(origin, email, token) : noAccountToResetMail(origin, email));
}

/**
 * Sets a new password from a mailed reset token, and spends the token and every other link for the
 * address (endCredentialsOf ends those, as for any password change). Two uses of one link at once: the first delete takes the row, the second finds none.
 * The account's sessions (and with revokeTokens its API tokens) end, and the new session begins, in the
 * same transaction, so nothing signed in with the old password outlives it; closing the ended ones'
 * sockets is the caller's.
 */
export async function resetPassword(
  db: Db,
  input: { token: string; password: string; revokeTokens: boolean },
): Promise<{ user: PublicUser; ended: EndedCredentials; signedIn: { token: string; session: Session } }> {
  const tokenHash = hashSecret(input.token);
  const live = and(eq(passwordResets.tokenHash, tokenHash), gt(passwordResets.expiresAt, new Date()));
  // Looked up before hashing the password, so that a made-up token costs no argon2 work.
  const [known] = await db.select({ id: passwordResets.id }).from(passwordResets).where(live);
  if (!known) throw gone();
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Bounded before the user's row is updated, which waits as endCredentialsOf's lock does.
    await boundLockWaits(tx);
    const [reset] = await tx.delete(passwordResets).where(live).returning({ email: passwordResets.email });
    if (!reset) throw gone();
    const [user] = await tx.update(users).set({ passwordHash }).where(eq(users.email, reset.email)).returning({ id: users.id, email: users.email, name: users.name });
    if (!user) throw gone();
    const ended = await endCredentialsOf(tx, user.id, { revokeTokens: input.revokeTokens });
    return { user, ended, signedIn: await createSession(tx, user.id) };
  });
}
