import { randomUUID } from "node:crypto";
import { type ServerType, serve } from "@hono/node-server";
import { type App, createApp } from "../../src/app.ts";
import { DEFAULT_RATE_LIMITS, type RateLimitOptions, createRateLimits } from "../../src/auth/rate-limit.ts";
import { type Config, loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db.ts";
import { serverHooks } from "../../src/hooks/index.ts";
import { type Logger, createLogger } from "../../src/logger.ts";
import { createMailer } from "../../src/mail/mailer.ts";
import { createMetrics } from "../../src/metrics.ts";
import { SyncHub } from "../../src/sync/hub.ts";
import type { NotificationStreams } from "../../src/services/notification-streams.ts";
import type { SyncOptions } from "../../src/sync/sync-options.ts";
import { type DelivererOptions, WebhookDeliverer } from "../../src/webhooks/deliverer.ts";
import { openTestDatabase } from "./database.ts";
import { TEST_MAIL_URL, signupTokenFor } from "./mail.ts";
import { assertDocumented } from "./openapi.ts";

export const TEST_ORIGIN = "http://localhost:8787";

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: "silent", PUBLIC_ORIGIN: TEST_ORIGIN, TRUST_PROXY: "true", MAIL_URL: TEST_MAIL_URL, ...overrides });
}

export type TestApp = {
  app: App;
  /** The app's logger (silent): spy on it to see what would have been logged. */
  logger: Logger;
  database: Database;
  hub: SyncHub;
  notificationStreams: NotificationStreams;
  /** Starts a real HTTP and websocket server on a free port; returns its base URL. */
  listen(): Promise<string>;
  /** Shuts the hub (flushing every update) and the server down; the database stays open. */
  stop(): Promise<void>;
  close(): Promise<void>;
};

export type TestAppOptions = {
  rateLimits?: RateLimitOptions;
  sync?: Partial<SyncOptions>;
  database?: Database;
  /** Environment variables for the app's config, over the tests' defaults. */
  env?: Record<string, string>;
  /** Runs a webhook deliverer with these options (short retry waits, for tests). */
  webhooks?: Partial<DelivererOptions>;
};

/** One app per test file, on that file's database; tests use fresh users, so none cleans up. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await openTestDatabase());
  const config = testConfig(options.env);
  const logger = createLogger("silent");
  const metrics = createMetrics();
  const deliverer = options.webhooks ? new WebhookDeliverer(database.db, logger, { allowPrivate: config.webhookAllowPrivate, ...options.webhooks }) : null;
  const webhooks = { origin: () => config.publicOrigin, wake: () => deliverer?.wake() };
  const hub = new SyncHub(database.db, logger, config.publicOrigin, { observer: metrics.observer, hooks: serverHooks(database.db, webhooks), ...options.sync });
  deliverer?.start();
  metrics.watch(hub);
  const { app, attach, notificationStreams } = createApp({
    config,
    db: database.db,
    logger,
    rateLimits: createRateLimits(database.db, options.rateLimits ?? DEFAULT_RATE_LIMITS),
    hub,
    metrics,
    mailer: createMailer(config.mail, logger, { counted: metrics.mailCounted }),
  });
  let server: ServerType | null = null;
  const stop = async () => {
    notificationStreams.close();
    await deliverer?.stop();
    await hub.shutdown();
    if (server) {
      const closing = new Promise<void>((resolve) => server!.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      await closing;
    }
    server = null;
  };
  return {
    app,
    logger,
    database,
    hub,
    notificationStreams,
    listen: () =>
      new Promise((resolve) => {
        server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
          // The port is known only now; the server must advertise where it really is.
          config.publicOrigin = `http://127.0.0.1:${info.port}`;
          resolve(config.publicOrigin);
        });
        attach(server);
      }),
    stop,
    close: async () => {
      await stop();
      if (!options.database) await database.close();
    },
  };
}

export type Reply = { status: number; body: any; headers: Headers };

/** A browser-like caller: keeps its session cookie and comes from its own IP. */
export class TestClient {
  cookie: string | undefined;
  bearer: string | undefined;
  readonly ip = nextIp();
  constructor(readonly app: App) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit & { headers: Record<string, string> } = {
      method,
      headers: { "x-forwarded-for": this.ip, ...headers },
    };
    if (this.cookie) init.headers.cookie = this.cookie;
    if (this.bearer) init.headers.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) {
      if (body instanceof ReadableStream) Object.assign(init, { body, duplex: "half" });
      else if (typeof body === "string" || body instanceof FormData || body instanceof Uint8Array) init.body = body as string | FormData | Uint8Array<ArrayBuffer>;
      else {
        init.body = JSON.stringify(body);
        init.headers["content-type"] ??= "application/json";
      }
    }
    const res = await this.app.request(path, init);
    // The last Set-Cookie wins, as in a browser.
    const session = res.headers.getSetCookie().findLast((h) => /^(?:__Host-)?marginalia_session=/.test(h))?.match(/^([^=]*)=([^;]*)/);
    if (session) this.cookie = session[2] ? `${session[1]}=${session[2]}` : undefined;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    // Every answer a test sees must be one the OpenAPI document describes (support/openapi.ts).
    assertDocumented({ method, path, status: res.status, headers: res.headers, text });
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get = (path: string, headers?: Record<string, string>) => this.request("GET", path, undefined, headers);
  post = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("POST", path, body, headers);
  put = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("PUT", path, body, headers);
  patch = (path: string, body?: unknown, headers?: Record<string, string>) => this.request("PATCH", path, body, headers);
  delete = (path: string, headers?: Record<string, string>) => this.request("DELETE", path, undefined, headers);
}

let clients = 0;
/** A distinct address per client, the same on every run: rate limits count per address. */
function nextIp(): string {
  const n = ++clients;
  return `10.${(process.pid % 250) + 1}.${(n >> 8) & 255}.${n & 255}`;
}

export const freshEmail = (label = "user") => `${label}-${randomUUID()}@example.test`;

/** Signs up a new user (and confirms the address from the mail) and returns a client holding their session. */
export async function signUp(app: App, name = "Test User") {
  const client = new TestClient(app);
  const email = freshEmail();
  const password = "correct horse battery";
  const requested = await client.post("/api/auth/signup", { email, password, name });
  if (requested.status !== 202) throw new Error(`signup failed: ${requested.status} ${JSON.stringify(requested.body)}`);
  const res = await client.post("/api/auth/confirm", { token: await signupTokenFor(email), password });
  if (res.status !== 201) throw new Error(`confirming failed: ${res.status} ${JSON.stringify(res.body)}`);
  return Object.assign(client, { user: res.body.user as { id: string; email: string; name: string }, email, password });
}

/**
 * Makes `member` a member of the group as a person joins one: the owner
 * invites their email and they accept. Returns the membership.
 */
export async function addMember(owner: TestClient, groupId: string, member: TestClient & { email: string }, role: string) {
  const invited = await owner.post(`/api/groups/${groupId}/invitations`, { email: member.email, role });
  if (invited.status !== 202) throw new Error(`invitation failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await member.post(`/api/invitations/${invited.body.invitation.id}/accept`);
  if (accepted.status !== 201) throw new Error(`accepting failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return accepted.body.membership as { groupId: string; userId: string; role: string; since: string };
}

export async function createGroup(client: TestClient, name = "Desk", moderation: "open" | "pre" = "open") {
  const res = await client.post("/api/groups", { name, moderation });
  if (res.status !== 201) throw new Error(`group failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; slug: string; role: string };
}
