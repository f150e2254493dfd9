import { serve } from "@hono/node-server";
import { createApp } from "@marginalia/server/app.ts";
import { createRateLimits } from "@marginalia/server/auth/rate-limit.ts";
import { loadConfig } from "@marginalia/server/config.ts";
import { type Database, databaseOnPostgres } from "@marginalia/server/db.ts";
import { type EmbeddedDatabase, type EmbeddedMemory, startEmbeddedDatabase } from "@marginalia/server/embedded/database.ts";
import { limitHeapGrowth } from "@marginalia/server/heap-growth.ts";
import { serverHooks } from "@marginalia/server/hooks/index.ts";
import { createLogger } from "@marginalia/server/logger.ts";
import { awaitSignupToken } from "@marginalia/server/mail/mailbox.ts";
import { createMailer } from "@marginalia/server/mail/mailer.ts";
import { SyncHub } from "@marginalia/server/sync/hub.ts";
import { type SyncOptions, commitWindowFor } from "@marginalia/server/sync/sync-options.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { residentWasm } from "./lib/wasm-resident.ts";

/** Where bench servers deliver their mail, so that bench accounts confirm their address as people do. */
export const MAIL_DIR = path.join(tmpdir(), "marginalia-bench-mail");

export const SEED = readFileSync(new URL("../../fixtures/articles/russia-iran-ties.txt", import.meta.url), "utf8");

export type ServerMemory = {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  database: EmbeddedMemory | null;
  /** How much of the database's WebAssembly memory is resident (lib/wasm-resident.ts); null on Postgres. */
  wasmResidentBytes: number | null;
};

/**
 * A Marginalia server in this process on a free port, on Postgres when a URL is given, else on its
 * embedded database in a fresh data directory, as `pnpm start` runs it.
 * `sync` overrides the hub's options (the bench lifts the per-user connection cap by default).
 */
export async function startMarginalia(databaseUrl: string | undefined, sync: Partial<SyncOptions> = {}) {
  // As main.ts does: the bench measures the server's resident memory.
  limitHeapGrowth();
  const dataDir = databaseUrl ? null : mkdtempSync(path.join(tmpdir(), "marginalia-bench-"));
  const embedded: EmbeddedDatabase | null = databaseUrl ? null : await startEmbeddedDatabase({ dataDir: dataDir! });
  const database: Database = embedded ?? databaseOnPostgres(databaseUrl!);
  await database.migrate();
  const config = loadConfig({ LOG_LEVEL: "silent", SEED_DEMO: "false", MAIL_URL: `file:${MAIL_DIR}` });
  const logger = createLogger("silent");
  const hub = new SyncHub(database.db, logger, config.publicOrigin, { maxConnectionsPerUser: 10_000, commitWindowMs: commitWindowFor(database.kind), hooks: serverHooks(database.db), ...sync });
  const rateLimits = createRateLimits(database.db, { perIp: { points: 1e6, durationSeconds: 1 }, backoff: { freeFailures: 1e6, accountThreshold: 1e6 } });
  const { app, attach } = createApp({ config, db: database.db, logger, rateLimits, hub, mailer: createMailer(config.mail, logger) });
  let stopServer: () => Promise<void> = async () => {};
  const url = await new Promise<string>((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      config.publicOrigin = `http://127.0.0.1:${info.port}`;
      resolve(config.publicOrigin);
    });
    attach(server);
    stopServer = () => new Promise<void>((r) => server.close(() => r()));
  });
  return {
    url,
    hub,
    db: database.db,
    kind: database.kind,
    /** Where this process's memory is: the main thread's, and the embedded database's thread (null on Postgres). */
    async memory(): Promise<ServerMemory> {
      const m = process.memoryUsage();
      const database = embedded && (await embedded.memory());
      const wasmResidentBytes = await residentWasm(database?.wasmBytes ?? null);
      return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, database, wasmResidentBytes };
    },
    async stop() {
      await hub.shutdown();
      await stopServer();
      await database.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs up a fresh user over REST and returns an API token of theirs: sockets
 * take credentials in the URL only as API tokens (docs/sync.md, "Connect").
 */
export async function signUp(url: string, label: string): Promise<{ token: string; userId: string }> {
  const email = `${label.replace(/[^a-z0-9]+/gi, "-")}-${crypto.randomUUID()}@bench.test`.toLowerCase();
  const password = "bench password";
  const json = { "content-type": "application/json" };
  const requested = await fetch(`${url}/api/auth/signup`, { method: "POST", headers: json, body: JSON.stringify({ email, password, name: label }) });
  if (requested.status !== 202) throw new Error(`sign-up failed: ${requested.status} ${(await requested.text()).slice(0, 300)}`);
  const token = await awaitSignupToken(MAIL_DIR, email);
  const res = await fetch(`${url}/api/auth/confirm`, { method: "POST", headers: json, body: JSON.stringify({ token, password }) });
  const text = await res.text();
  const cookie = res.headers.getSetCookie().find((h) => h.startsWith("marginalia_session="));
  if (!res.ok || !cookie) throw new Error(`sign-up failed: ${res.status} ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { user: { id: string } };
  const session = cookie.split(";")[0]!.split("=")[1]!;
  const created = await fetch(`${url}/api/tokens`, {
    method: "POST",
    headers: { cookie: `marginalia_session=${session}`, "content-type": "application/json" },
    body: JSON.stringify({ name: label }),
  });
  if (!created.ok) throw new Error(`token failed: ${created.status}`);
  const { token: apiToken } = (await created.json()) as { token: string };
  return { token: apiToken, userId: body.user.id };
}

/** The REST header for a token from `signUp`. */
export const authHeader = (token: string) => ({ authorization: `Bearer ${token}` });

export async function api(url: string, token: string, method: string, path: string, body?: unknown, type = "application/json") {
  const res = await fetch(url + path, {
    method,
    headers: { ...authHeader(token), ...(body !== undefined && { "content-type": type }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return (await res.json()) as any;
}

/** The seed article, in a new group unless one is given; returns their ids and the article's room. */
export async function seedArticle(url: string, token: string, groupId?: string) {
  const group = groupId ?? (await api(url, token, "POST", "/api/groups", { name: "Bench desk" })).id;
  const article = await api(url, token, "POST", `/api/groups/${group}/articles`, SEED, "text/plain");
  return { groupId: group as string, articleId: article.id as string, room: `article:${article.id}` };
}

/** A fresh account that its owner invites into the group as an annotator and that accepts. */
export async function addMember(url: string, ownerToken: string, groupId: string, label: string) {
  const member = await signUp(url, label);
  const { email } = await api(url, member.token, "GET", "/api/me").then((me) => me.user as { email: string });
  const { invitation } = await api(url, ownerToken, "POST", `/api/groups/${groupId}/invitations`, { email, role: "annotator" });
  await api(url, member.token, "POST", `/api/invitations/${invitation.id}/accept`);
  return member;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
