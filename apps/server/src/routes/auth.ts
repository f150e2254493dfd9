import { Hono } from "hono";
import { z } from "zod";
import { userInsertSchema } from "@marginalia/schema";
import { DEVICE_COOKIE, clearSessionCookie, readCookies, renewDeviceCookie, setSessionCookie } from "../auth/cookie.ts";
import { matchPassword, newPasswordSchema, passwordSchema, verifyAgainstDummy } from "../auth/password.ts";
import { revokeApiToken } from "../auth/api-tokens.ts";
import { type Session, createSession, createSessionIfUnchanged, invalidateSession, sessionExpiresAt } from "../auth/sessions.ts";
import { type AppContext, type AppEnv, requireAccountAccess, requireAuth } from "../context.ts";
import { ApiError } from "../errors.ts";
import { clientIp } from "../http/client-ip.ts";
import { readJson, readOptionalJson } from "../http/input.ts";
import { requestPasswordReset, resetPassword } from "../services/password-resets.ts";
import { confirmSignup, requestSignup } from "../services/signups.ts";
import { type EndedCredentials, endCredentialsOf, findUserByEmail, rehashPassword, setPassword } from "../services/users.ts";
import { documented, whileHashing, noContent } from "../openapi/describe.ts";
import { passwordResetAnswerSchema, signupAnswerSchema, userResponseSchema } from "../openapi/schemas/accounts.ts";

// Length limits apply to the normalized password, which is what is hashed (auth/password.ts).
const password = newPasswordSchema;

export const signupSchema = userInsertSchema.pick({ email: true, name: true }).extend({ password }).strict();
export const confirmSignupSchema = z.strictObject({ token: z.string().regex(/^[a-z2-9]{24}$/, "Not a confirmation token"), password: passwordSchema });
export const loginSchema = z.strictObject({ email: userInsertSchema.shape.email, password: passwordSchema });
/**
 * `revokeTokens`: end the account's API tokens too, for an account someone else may have used: a token
 * minted with a stolen password would otherwise outlive the password. Off by default, since scripts
 * depend on tokens and a routine change should not stop them.
 */
const revokeTokens = z.boolean().default(false);
export const changePasswordSchema = z.strictObject({ currentPassword: passwordSchema, newPassword: password, revokeTokens });
export const logoutEverywhereSchema = z.strictObject({ revokeTokens });
export const passwordResetRequestSchema = userInsertSchema.pick({ email: true }).strict();
export const passwordResetSchema = z.strictObject({ token: z.string().regex(/^[a-z2-9]{24}$/, "Not a reset token"), newPassword: password, revokeTokens });

/**
 * Checks a password under the login backoff (login-backoff.ts): the user when
 * it matches, otherwise null, counted as a failure for this account and address.
 */
async function passwordMatches(c: AppContext, email: string, password: string) {
  const { db, rateLimits } = c.get("deps");
  const account = email.trim().toLowerCase();
  const ip = clientIp(c);
  await rateLimits.assertLoginAllowed(account, ip, readCookies(c, DEVICE_COOKIE));
  let user: Awaited<ReturnType<typeof findUserByEmail>>;
  let ok: Awaited<ReturnType<typeof matchPassword>>;
  try {
    user = await findUserByEmail(db, account);
    ok = user ? await matchPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
  } catch (error) {
    rateLimits.abandonLogin(account, ip);
    throw error;
  }
  if (!user || !ok) {
    rateLimits.recordFailure(account, ip);
    return null;
  }
  await rateLimits.recordSuccess(user, ip);
  // Hashed before passwords were normalized: from now on, the normalized form is what matches.
  if (ok === "raw") await rehashPassword(db, user, password);
  return user;
}

/**
 * Sets the new session's cookie, and the device cookie that lets this browser skip the account's login pace
 * from any address for a month (auth/login-backoff.ts): after it, since scripts read the first Set-Cookie.
 */
async function signedInHere(c: AppContext, user: { id: string; email: string }, { token, session }: { token: string; session: Session }) {
  setSessionCookie(c, token, sessionExpiresAt(session));
  await renewDeviceCookie(c, user);
}

/**
 * After the account's credentials ended, which forgot the browsers it was known by: the one that carries on
 * here (a kept session, or the reset just done) is the owner's again, with a new device token.
 */
async function knownAgainHere(c: AppContext, user: { id: string; email: string }) {
  const { rateLimits } = c.get("deps");
  rateLimits.forgetKnown(user.id);
  await rateLimits.recordSignedIn(user, clientIp(c));
  await renewDeviceCookie(c, user);
}

/** Closes the sockets that ended sessions and revoked tokens opened, on every process. */
function closeSocketsOf(c: AppContext, ended: EndedCredentials) {
  const { hub } = c.get("deps");
  if (ended.sessionIds.length) hub.access({ kind: "sessions-ended", sessionIds: ended.sessionIds });
  if (ended.tokenIds.length) hub.access({ kind: "tokens-revoked", tokenIds: ended.tokenIds });
}

export const authRoutes = new Hono<AppEnv>()
  .post("/signup", documented({ tag: "auth", summary: "Start a sign-up: mails a confirmation link to a new address, or a notice to an address that already has an account; the answer is the same for both", auth: false, body: signupSchema, responses: { ...whileHashing, 202: "{status: \"confirmation-sent\", email}", 429: "Too many attempts" }, schemas: { 202: signupAnswerSchema } }), async (c) => {
    const { db, rateLimits } = c.get("deps");
    await rateLimits.attemptFromIp(clientIp(c));
    const input = await readJson(c, signupSchema);
    await rateLimits.mailTo(input.email);
    await requestSignup(db, c.get("deps").mailer, c.get("deps").config.publicOrigin, input);
    // The same answer whether or not the address has an account: the mailbox tells its owner which.
    return c.json({ status: "confirmation-sent", email: input.email }, 202);
  })
  .post("/confirm", documented({ tag: "auth", summary: "Finish a sign-up with the mailed token and the password chosen at sign-up; creates the account and signs in", auth: false, body: confirmSignupSchema, responses: { ...whileHashing, 201: "Signed up; sets the session and device cookies", 401: "Not the password chosen at sign-up", 410: "The link expired, was used, or the address has an account by now", 429: "Too many attempts" }, schemas: { 201: userResponseSchema } }), async (c) => {
    const { db, rateLimits } = c.get("deps");
    await rateLimits.attemptFromIp(clientIp(c));
    const input = await readJson(c, confirmSignupSchema);
    const user = await confirmSignup(db, input);
    await signedInHere(c, user, await createSession(db, user.id));
    return c.json({ user }, 201);
  })
  .post("/login", documented({ tag: "auth", summary: "Sign in with a fresh session", auth: false, body: loginSchema, responses: { ...whileHashing, 401: "Wrong email or password", 200: "Signed in; sets the session cookie, and the device cookie that spares this browser the account's login pace", 429: "Too many attempts" }, schemas: { 200: userResponseSchema } }), async (c) => {
    const { db, rateLimits } = c.get("deps");
    await rateLimits.attemptFromIp(clientIp(c));
    const input = await readJson(c, loginSchema);
    const user = await passwordMatches(c, input.email, input.password);
    // One message for both cases: a login form must not tell which emails have accounts.
    if (!user) throw new ApiError("unauthenticated", "Wrong email or password");
    // Always a fresh token: a session id planted before login is never promoted. None at all when the
    // account's sessions were ended (signed out everywhere, the password changed or reset) since the
    // account was read for the check: that ending was meant for this login too.
    const signedIn = await createSessionIfUnchanged(db, { userId: user.id, credentialsVersion: user.credentialsVersion });
    if (!signedIn) throw new ApiError("unauthenticated", "This account's sessions were ended while you signed in: sign in again");
    await signedInHere(c, user, signedIn);
    return c.json({ user: { id: user.id, email: user.email, name: user.name } });
  })
  .post("/password", documented({ tag: "auth", summary: "Change your password; ends your other sessions, and with revokeTokens your API tokens (signed in, not with a token)", body: changePasswordSchema, responses: { ...whileHashing, 204: "Changed", 401: "The current password is wrong", 403: "Called with an API token" } }), async (c) => {
    const auth = requireAccountAccess(c);
    const { db } = c.get("deps");
    const input = await readJson(c, changePasswordSchema);
    const user = await passwordMatches(c, auth.user.email, input.currentPassword);
    if (!user) throw new ApiError("unauthenticated", "The current password is wrong", "currentPassword");
    // Whoever else knew the old password is signed out; this session carries on.
    const keep = auth.via === "session" ? auth.sessionId : undefined;
    closeSocketsOf(c, await setPassword(db, user.id, input.newPassword, { keep, revokeTokens: input.revokeTokens }));
    if (keep) await knownAgainHere(c, user);
    else c.get("deps").rateLimits.forgetKnown(user.id);
    return c.body(null, 204);
  })
  .post("/password-reset", documented({ tag: "auth", summary: "Forgot your password: mails a reset link (valid one hour) to an address with an account, or a notice to one without; the answer is the same for both", auth: false, body: passwordResetRequestSchema, responses: { 202: "{status: \"reset-sent\", email}", 429: "Too many attempts, or too many mails to this address" }, schemas: { 202: passwordResetAnswerSchema } }), async (c) => {
    const { db, rateLimits, mailer, config } = c.get("deps");
    await rateLimits.attemptFromIp(clientIp(c));
    const input = await readJson(c, passwordResetRequestSchema);
    // A browser the account signed in with is counted apart: strangers spending the limit do not stop its owner.
    await rateLimits.mailTo(input.email, await rateLimits.mailAsker(input.email, readCookies(c, DEVICE_COOKIE)));
    await requestPasswordReset(db, mailer, config.publicOrigin, input.email);
    return c.json({ status: "reset-sent", email: input.email }, 202);
  })
  .post("/password-reset/confirm", documented({ tag: "auth", summary: "Set a new password with the mailed reset token; ends every session of the account (and with revokeTokens its API tokens), then signs in here", auth: false, body: passwordResetSchema, responses: { ...whileHashing, 200: "Password set; sets the session and device cookies", 410: "The link expired, was used, or a newer one replaced it", 429: "Too many attempts" }, schemas: { 200: userResponseSchema } }), async (c) => {
    const { db, rateLimits } = c.get("deps");
    const ip = clientIp(c);
    await rateLimits.attemptFromIp(ip);
    const input = await readJson(c, passwordResetSchema);
    const { user, ended, signedIn } = await resetPassword(db, { token: input.token, password: input.newPassword, revokeTokens: input.revokeTokens });
    // Whoever held a session, perhaps with the old password, is signed out; so is every socket they opened.
    closeSocketsOf(c, ended);
    setSessionCookie(c, signedIn.token, sessionExpiresAt(signedIn.session));
    // Holding the mailbox proves as much as the password: this browser and address are the owner's (login-backoff.ts).
    await knownAgainHere(c, user);
    return c.json({ user });
  })
  .post("/logout-everywhere", documented({ tag: "auth", summary: "End every session of yours, this one included; API tokens stay unless revokeTokens (the body is optional)", body: logoutEverywhereSchema, responses: { ...noContent, 403: "Called with an API token" } }), async (c) => {
    const auth = requireAccountAccess(c);
    const input = await readOptionalJson(c, logoutEverywhereSchema);
    const { db } = c.get("deps");
    closeSocketsOf(c, await db.transaction((tx) => endCredentialsOf(tx, auth.user.id, { revokeTokens: input.revokeTokens })));
    c.get("deps").rateLimits.forgetKnown(auth.user.id);
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  .post("/logout", documented({ tag: "auth", summary: "End the credential this call is made with: this session, or this API token (revoked)", responses: noContent }), async (c) => {
    const auth = requireAuth(c);
    const { db, hub } = c.get("deps");
    if (auth.via === "session") {
      await invalidateSession(db, auth.sessionId);
      hub.access({ kind: "sessions-ended", sessionIds: [auth.sessionId] });
    } else {
      // A client signing out with a token expects that token to stop working: a 204 that ended nothing would
      // leave it live, however the caller took the answer. Ending one's own credential needs no scope.
      hub.access({ kind: "tokens-revoked", tokenIds: await revokeApiToken(db, auth.user.id, auth.tokenId) });
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  });
