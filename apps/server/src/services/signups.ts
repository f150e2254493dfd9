import { and, eq, exists, gt, lt } from "drizzle-orm";
import { type PublicUser, signupRequests, users } from "@marginalia/schema/tables";
import { hashPassword, normalizePassword } from "../auth/password.ts";
import { generateSecureRandomString, hashSecret, secretMatches } from "../auth/secrets.ts";
import { type Db, isUniqueViolation } from "../db.ts";
import { ApiError } from "../errors.ts";
import type { Mailer } from "../mail/mailer.ts";
import { accountExistsMail, confirmSignupMail } from "../mail/templates.ts";

/** How long a confirmation link works. */
export const SIGNUP_TTL_MS = 24 * 60 * 60 * 1000;

type SignupInput = { email: string; name: string; password: string };

// The password is bound to the token: only someone holding both can finish the sign-up. Normalized as
// a hashed password is (auth/password.ts); a sign-up asked for before that bound the password as typed.
const bound = (token: string, password: string) => `${token}\u0000${normalizePassword(password)}`;
const boundAsTyped = (token: string, password: string) => `${token}\u0000${password}`;

/**
 * Starts a sign-up. Whether or not the email has an account, the caller sees the same answer after
 * the same work (one password hash, the same statements, one mail handed over): a new address is
 * mailed a confirmation link, an existing account's owner is told someone tried to sign up with it.
 * So sign-up cannot be used to learn who has an account, not even by timing it.
 */
export async function requestSignup(db: Db, mailer: Mailer, origin: string, input: SignupInput): Promise<void> {
  const email = input.email.trim().toLowerCase();
  const passwordHash = await hashPassword(input.password);
  await db.delete(signupRequests).where(lt(signupRequests.expiresAt, new Date()));
  const token = generateSecureRandomString();
  // Both paths write the request and commit it: a commit that writes waits for the log to reach the
  // disk, milliseconds a lookup alone would not spend. The same transaction takes it back when the
  // address has an account, so none is kept for it, and that delete tells which mail to send.
  const hasAccount = await db.transaction(async (tx) => {
    const [request] = await tx
      .insert(signupRequests)
      .values({
        email,
        name: input.name,
        passwordHash,
        tokenHash: hashSecret(token),
        passwordCheck: hashSecret(bound(token, input.password)),
        expiresAt: new Date(Date.now() + SIGNUP_TTL_MS),
      })
      .returning({ id: signupRequests.id });
    const withdrawn = await tx
      .delete(signupRequests)
      .where(and(eq(signupRequests.id, request!.id), exists(tx.select({ id: users.id }).from(users).where(eq(users.email, email)))))
      .returning({ id: signupRequests.id });
    return withdrawn.length > 0;
  });
  mailer.send(hasAccount ? accountExistsMail(origin, email) : confirmSignupMail(origin, email, token));
}

/**
 * Finishes a sign-up from its mailed token and the password chosen with it; creates the account.
 * Every other pending sign-up for the address ends with it.
 */
export async function confirmSignup(db: Db, input: { token: string; password: string }): Promise<PublicUser> {
  const [request] = await db
    .select()
    .from(signupRequests)
    .where(and(eq(signupRequests.tokenHash, hashSecret(input.token)), gt(signupRequests.expiresAt, new Date())));
  // One answer for a link that never was, was used, or expired: none of them can be finished.
  if (!request) throw new ApiError("gone", "This confirmation link has expired or was already used; sign up again", "token");
  const matches = (binding: string) => secretMatches(binding, request.passwordCheck);
  if (!matches(bound(input.token, input.password)) && !matches(boundAsTyped(input.token, input.password))) {
    throw new ApiError("unauthenticated", "This is not the password chosen when signing up", "password");
  }
  return db.transaction(async (tx) => {
    await tx.delete(signupRequests).where(eq(signupRequests.email, request.email));
    try {
      const [user] = await tx
        .insert(users)
        .values({ email: request.email, name: request.name, passwordHash: request.passwordHash })
        .returning({ id: users.id, email: users.email, name: users.name });
      return user!;
    } catch (err) {
      // Another link for the same address was confirmed first: that account stands.
      if (isUniqueViolation(err)) throw new ApiError("gone", "This email already has an account; sign in instead", "token");
      throw err;
    }
  });
}
