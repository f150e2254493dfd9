import type { PublicUser } from "@marginalia/schema";
import type { Context } from "hono";
import type { Config } from "./config.ts";
import type { Db } from "./db.ts";
import { ApiError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import type { Mailer } from "./mail/mailer.ts";
import type { RateLimits } from "./auth/rate-limit.ts";
import type { Metrics } from "./metrics.ts";
import type { SyncHub } from "./sync/hub.ts";
import type { NotificationStreams } from "./services/notification-streams.ts";

export type AppDeps = {
  config: Config;
  db: Db;
  logger: Logger;
  rateLimits: RateLimits;
  hub: SyncHub;
  mailer: Mailer;
  /** Served at /metrics when given. */
  metrics?: Metrics;
  /** The open notification streams (made by createApp). */
  notificationStreams: NotificationStreams;
};

/** What createApp is given: everything but what it makes itself. */
export type AppInput = Omit<AppDeps, "notificationStreams">;

/** Who is calling, and how they proved it. */
export type Auth =
  | { via: "session"; user: PublicUser; sessionId: string }
  | { via: "token"; user: PublicUser; tokenId: string; scopes: string[] };

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    auth: Auth | null;
    requestId: string;
  };
};

/** A request's context; `E` adds what access middleware left on it (http/access.ts). */
export type AppContext<E extends AppEnv = AppEnv> = Context<E>;

export function requireAuth<E extends AppEnv>(c: AppContext<E>): Auth {
  const auth = c.get("auth");
  if (!auth) throw new ApiError("unauthenticated", "Sign in, or send an API token as Authorization: Bearer");
  return auth;
}

export const requireUser = <E extends AppEnv>(c: AppContext<E>): PublicUser => requireAuth(c).user;

/**
 * Account management (tokens, passwords, sessions) is for the person, signed
 * in: an API token reaches it only with the scope made for it, so a leaked
 * script token cannot mint itself successors or lock its owner out.
 */
export function requireAccountAccess<E extends AppEnv>(c: AppContext<E>, scope?: "tokens"): Auth {
  const auth = requireAuth(c);
  if (auth.via === "token" && !(scope && auth.scopes.includes(scope))) {
    throw new ApiError("forbidden", scope ? `An API token needs the "${scope}" scope for this` : "Sign in with your password for this");
  }
  return auth;
}
