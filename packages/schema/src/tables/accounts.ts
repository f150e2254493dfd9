import { type AnyPgColumn, index, integer, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createInsertSchema, createSelectSchema } from "drizzle-zod";
import { z } from "zod";
import { nameOf } from "../vocabulary/names.ts";
import { bytea, createdAt } from "./columns.ts";

export const users = pgTable("users", {
  id: uuid("id").primaryKey().defaultRandom(),
  // Stored lower-cased so that the unique index is case-insensitive.
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash").notNull(),
  /**
   * Counts the times the account's sessions were all ended (sign-out everywhere, a password change or
   * reset): a login made the session it checked the password for only if this has not moved since
   * (apps/server/src/auth/sessions.ts).
   */
  credentialsVersion: integer("credentials_version").notNull().default(0),
  createdAt: createdAt(),
});

/**
 * Sessions follow lucia-auth.com: the client holds `<id>.<secret>`, the
 * database holds the id and SHA-256 of the secret, compared in constant time.
 */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    secretHash: bytea("secret_hash").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastVerifiedAt: timestamp("last_verified_at", { withTimezone: true, mode: "date" })
      .notNull()
      .defaultNow(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    secretHash: bytea("secret_hash").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    /** What the token may do beyond reading and annotating: "tokens" lets it create and revoke tokens. */
    scopes: text("scopes").array().notNull().default([]),
    /**
     * The token that minted this one, when a token did (null when a session or the command line did). Revoking a
     * token revokes what it minted, so that a leaked token's holder cannot outlive its revocation through a child.
     */
    mintedBy: text("minted_by").references((): AnyPgColumn => apiTokens.id, { onDelete: "set null" }),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId), index("api_tokens_minted_by_idx").on(t.mintedBy)],
);

/**
 * A sign-up waiting for its email to be confirmed. The token is mailed and only its SHA-256 kept; the
 * password is kept twice: hashed for the account to come, and as SHA-256(token, password), which the
 * confirming person must match, so that whoever reads this table (or the mailbox alone) cannot finish
 * someone else's sign-up with a password of their own.
 */
export const signupRequests = pgTable(
  "signup_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    tokenHash: bytea("token_hash").notNull().unique(),
    passwordCheck: bytea("password_check").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("signup_requests_email_idx").on(t.email), index("signup_requests_expiry_idx").on(t.expiresAt)],
);

/**
 * A password reset waiting for its mailed link to be opened (lucia-auth.com's password reset, the
 * Copenhagen Book's rules): only SHA-256 of the token is kept, the link works once and for an hour, and a
 * newer link for the address replaces it. Keyed by address, as sign-ups are, so that asking for a reset
 * does the same work whether or not the address has an account (services/password-resets.ts).
 */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    tokenHash: bytea("token_hash").notNull().unique(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("password_resets_email_idx").on(t.email), index("password_resets_expiry_idx").on(t.expiresAt)],
);

/**
 * Where an account lately signed in or used a session: client addresses (as the rate limits key them) and
 * browsers (SHA-256 of the device cookie). Shared by every server process, so that the owner's browser
 * skips the login pace on whichever process a balancer picks (apps/server/src/auth/known-sign-ins.ts).
 * A handful per account and kind, each forgotten a month after it was last seen.
 */
export const knownSignIns = pgTable(
  "known_sign_ins",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** "address" or "device". */
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    seenAt: timestamp("seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind, t.key] })],
);

export const userSelectSchema = createSelectSchema(users);
export const userInsertSchema = createInsertSchema(users, {
  email: (s) => s.trim().toLowerCase().pipe(z.email().max(254)),
  name: nameOf(100),
});
export const apiTokenSelectSchema = createSelectSchema(apiTokens);
export const apiTokenInsertSchema = createInsertSchema(apiTokens, {
  name: nameOf(100),
});

/** What the API shows of a user: never the password hash. */
export const publicUserSchema = userSelectSchema.pick({ id: true, email: true, name: true });
export type PublicUser = z.infer<typeof publicUserSchema>;
