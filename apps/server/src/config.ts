import path from "node:path";
import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATA_DIR: z.string().default("./data"),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  PUBLIC_ORIGIN: z.url({ protocol: /^https?$/ }).optional(),
  SESSION_COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: bool.default(false),
  SEED_DEMO: bool.optional(),
  SYNC_HEARTBEAT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  METRICS_TOKEN: z.string().min(16).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  MAIL_URL: z
    .string()
    .regex(/^(log|file:.+|smtps?:\/\/.+)$/, "log, file:<folder> or smtp(s)://user:password@host:port")
    .default("log"),
  MAIL_FROM: z.string().min(3).optional(),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  IMPORT_ALLOW_PRIVATE_URLS: bool.default(false),
  CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(512),
});

export type Config = {
  port: number;
  host: string;
  database: { kind: "postgres"; url: string } | { kind: "pglite"; dataDir: string };
  redisUrl: string | undefined;
  publicOrigin: string;
  sessionCookieSecure: boolean;
  /** Believe X-Forwarded-For: only behind a proxy that sets it. */
  trustProxy: boolean;
  seedDemo: boolean;
  /**
   * How often a sync socket is pinged. One that has not answered the last ping
   * by the next (a dead peer, or one stuck halfway through a frame) is closed
   * with 4508.
   */
  syncHeartbeatMs: number;
  /**
   * How long SIGTERM may take: accepted updates are written until then, even
   * with the database down, and whatever is still unwritten is logged before
   * the process exits.
   */
  shutdownGraceMs: number;
  /** When set, GET /metrics wants it as a bearer token. */
  metricsToken: string | undefined;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  /**
   * Where account mail (sign-up confirmations, invitations) goes: the server's log by default, a
   * folder of JSON files (a mail catcher for development and tests), or an SMTP server.
   */
  mail: { from: string; transport: MailTransport };
  /** Let webhooks point at loopback, private and link-local addresses: for development and tests only. */
  webhookAllowPrivate: boolean;
  /** Let article imports fetch URLs on loopback, private and link-local addresses: for development and tests only. */
  importAllowPrivateUrls: boolean;
  /**
   * TCP connections one client address may hold open at once (http/connection-cap.ts); 0 for no bound.
   * Not applied behind a proxy (TRUST_PROXY), where every connection is the proxy's.
   */
  connectionsPerAddress: number;
};

export type MailTransport = { kind: "log" } | { kind: "folder"; dir: string } | { kind: "smtp"; url: string };

function mailTransport(url: string): MailTransport {
  if (url === "log") return { kind: "log" };
  if (url.startsWith("file:")) return { kind: "folder", dir: path.resolve(url.slice("file:".length)) };
  return { kind: "smtp", url };
}

/** The one reader of the environment: every other module takes a Config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  // Unset, it is this machine on the port the server listens on: with only PORT changed, the browser's
  // origin still matches, and its writes and websocket upgrades are not refused as cross-origin. Port 0
  // (any free port, as tests ask) names no address, so it keeps the default's.
  const publicOrigin = new URL(e.PUBLIC_ORIGIN ?? `http://localhost:${e.PORT || 8787}`).origin;
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: "postgres", url: e.DATABASE_URL }
      : { kind: "pglite", dataDir: path.resolve(e.DATA_DIR) },
    redisUrl: e.REDIS_URL,
    publicOrigin,
    sessionCookieSecure: e.SESSION_COOKIE_SECURE ?? publicOrigin.startsWith("https:"),
    trustProxy: e.TRUST_PROXY,
    // The embedded database is the try-it-out mode, so it gets the demo by default.
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    syncHeartbeatMs: e.SYNC_HEARTBEAT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    metricsToken: e.METRICS_TOKEN,
    logLevel: e.LOG_LEVEL,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    importAllowPrivateUrls: e.IMPORT_ALLOW_PRIVATE_URLS,
    connectionsPerAddress: e.CONNECTIONS_PER_ADDRESS,
    mail: { from: e.MAIL_FROM ?? `Marginalia <no-reply@${new URL(publicOrigin).hostname}>`, transport: mailTransport(e.MAIL_URL) },
  };
}
