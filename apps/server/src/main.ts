import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { openSharedCounters } from "./auth/limit-counters.ts";
import { DEFAULT_RATE_LIMITS, createRateLimits } from "./auth/rate-limit.ts";
import { loadConfig } from "./config.ts";
import { beforeDeadline } from "./deadline.ts";
import { limitHeapGrowth } from "./heap-growth.ts";
import { openDatabase } from "./db.ts";
import { demoBanner, seedDemoOnce } from "./demo/seed.ts";
import { serverHooks } from "./hooks/index.ts";
import { WebhookDeliverer } from "./webhooks/deliverer.ts";
import { createLogger } from "./logger.ts";
import { createMailer } from "./mail/mailer.ts";
import { createMetrics } from "./metrics.ts";
import { portFree } from "./net/port-free.ts";
import { RequestsInFlight } from "./http/in-flight.ts";
import { DocStore } from "./sync/persist/doc-store.ts";
import { ClientIdStore } from "./sync/authorize/client-id-store.ts";
import { SyncHub } from "./sync/hub.ts";
import { resumeBehind } from "./anchoring/resume.ts";
import { commitWindowFor } from "./sync/sync-options.ts";
import { RedisRelay } from "./sync/broadcast/relay.ts";
import { notificationBell } from "./services/notification-bell.ts";
import { deleteStaleDrafts } from "./services/revision-drafts.ts";
import { stopOnSignals } from "./stop-signals.ts";

limitHeapGrowth();
const config = loadConfig();
const logger = createLogger(config.logLevel);
if (!(await portFree(config.port, config.host))) {
  // Before the database is opened, so that a second server on the same data directory touches nothing.
  logger.fatal({ port: config.port }, `port ${config.port} is in use: is Marginalia (or something else) already running there? Stop it first, or set PORT`);
  process.exit(1);
}
const database = await openDatabase(config.database, logger).catch((err: unknown) => {
  // Another server (or a command) has the embedded database open, or DATA_DIR cannot be written: say so plainly, and stop.
  if (!(err instanceof Error && (err.name === "DataDirInUse" || err.name === "DataDirUnusable"))) throw err;
  logger.fatal(err.message);
  process.exit(1);
});
// Listening only once migrated, so that no request meets an older schema: a liveness probe's grace period
// must cover a wait for another process's migrations.
await database.migrate({ waiting: () => logger.info("another process is migrating the database; waiting for it to finish") });
logger.info({ database: database.kind }, "database ready");
// Drafts of large imports a stopped process never finished, which nothing else would delete until the next one.
await deleteStaleDrafts(database.db).catch((err: unknown) => logger.warn({ err }, "could not delete old import drafts"));

// With Redis, several processes serve the same documents (README, "Deployment"); without, this one is alone.
const metrics = createMetrics();
const relay = config.redisUrl
  ? new RedisRelay({ url: config.redisUrl, logger, store: new DocStore(database.db), claims: new ClientIdStore(database.db, logger), observer: metrics.observer })
  : undefined;
if (config.redisUrl) logger.info({ redis: redactUrl(config.redisUrl) }, "relaying documents through redis");
// A notification written by any process reaches the streams open on this one, and the other way round.
if (relay) notificationBell.relayThrough(relay);
const deliverer = new WebhookDeliverer(database.db, logger, { allowPrivate: config.webhookAllowPrivate });
const hub = new SyncHub(database.db, logger, config.publicOrigin, { commitWindowMs: commitWindowFor(database.kind), observer: metrics.observer, hooks: serverHooks(database.db, { origin: () => config.publicOrigin, wake: () => deliverer.wake() }), ...(relay && { relay }) });
metrics.watch(hub);
if (database.kind === "pglite") metrics.watchDatabaseThread(database.memory);
// Seeded before listening, so that the first request already finds the demo; through the hub, because its
// annotations take the one write path (docs/architecture.md, "The path of an update").
const demo = config.seedDemo ? await seedDemoOnce(database, hub) : null;
const banner = demo && (await demoBanner(database.db, config.publicOrigin, demo));
const mailer = createMailer(config.mail, logger, { counted: metrics.mailCounted });
if (config.mail.transport.kind === "log" && config.database.kind === "postgres") {
  logger.warn("no MAIL_URL: sign-up confirmations and invitations are written to this log instead of mailed");
}
// With Redis, the account limits count across every process (docs/architecture.md, "More than one process").
const sharedLimits = config.redisUrl ? openSharedCounters(config.redisUrl, logger) : undefined;
const rateLimits = createRateLimits(database.db, DEFAULT_RATE_LIMITS, sharedLimits?.counters);
const { app, attach, notificationStreams } = createApp({ config, db: database.db, logger, rateLimits, hub, metrics, mailer });
const requests = new RequestsInFlight();
const server = serve({ fetch: requests.track(app.fetch), port: config.port, hostname: config.host }, (info) => {
  logger.info({ port: info.port }, "listening");
  // Printed plainly, not as a log line: this is what a person trying Marginalia reads first.
  if (banner) console.log(banner);
});
attach(server);
requests.watch(server);
deliverer.start();
// In the background: a correction's re-anchoring that the last stop cut short (docs/architecture.md, "Anchoring").
resumeBehind(database.db, hub, logger).catch((err: unknown) => logger.error({ err }, "could not look for re-anchoring to resume"));
// Taken in the moment since the check above: said plainly, and the database closed as on any stop.
server.once("error", (err: NodeJS.ErrnoException) => {
  logger.fatal({ err, port: config.port }, err.code === "EADDRINUSE" ? `port ${config.port} is in use` : "could not listen");
  process.exitCode = 1;
  void shutdown("listen-error");
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const graceMs = config.shutdownGraceMs;
  logger.info({ signal, graceMs }, "shutting down");
  // Whatever still hangs at the end of the grace period (a relay or a database that does not answer)
  // does not keep the process alive past it.
  const end = Date.now() + graceMs;
  setTimeout(() => {
    logger.error({ graceMs }, "shutdown took the whole grace period; exiting");
    process.exit(1);
  }, graceMs).unref();
  // No new connection is taken; the requests already taken are answered before the database closes.
  requests.stopTaking(server);
  // Open streams would hold the server's close; browsers reconnect to another process.
  notificationStreams.close();
  // Every accepted update is written (and relayed) before the sockets, Redis and the database close,
  // or as many as can be by the deadline: closing those afterwards keeps a little of the grace period.
  const reserve = Math.min(2_000, graceMs / 5);
  const unwritten = await hub.shutdown(end - reserve, { requests: () => requests.settled() });
  // Any still unanswered meet a closed database, and are answered 503 (app.ts, describeError).
  if (requests.size) logger.warn({ requests: requests.size }, "requests still being answered as the database closes");
  // A delivery cut short is sent again by whichever process next finds its lease over.
  await stopStep("webhook deliveries", deliverer.stop(), Date.now() + 1_000);
  // A mail being sent gets a few seconds, not the grace period: a silent mail server holds a try 30 s.
  await mailer.close(Math.min(5_000, Math.max(0, end - reserve - Date.now())));
  // Answers still going out (a large export to a slow client) are sent whole, until the same deadline as the
  // writes: the exit would cut them. Notification streams were ended above, and take no new ones.
  if (requests.unsent) {
    logger.info({ responses: requests.unsent }, "waiting for answers still being sent");
    if (!(await beforeDeadline(requests.sent(), end - reserve))) logger.warn({ responses: requests.unsent }, "answers still being sent are cut short by the exit");
  }
  if (sharedLimits) await stopStep("rate limits' redis", sharedLimits.close(), Date.now() + 1_000);
  // A database that is down may not answer its goodbye either.
  await stopStep("database", database.close(), end - reserve / 2);
  process.exit(unwritten.size || process.exitCode ? 1 : 0);
}
/** One step of the stop, given until `deadline`: one that fails or hangs is logged, and the next still runs. */
async function stopStep(step: string, done: Promise<unknown>, deadline: number) {
  try {
    if (!(await beforeDeadline(done, deadline))) logger.warn({ step }, "a step of the shutdown ran out of time");
  } catch (err) {
    logger.error({ err, step }, "a step of the shutdown failed");
  }
}
stopOnSignals(process, { shutdown: (signal) => void shutdown(signal), unwritten: () => hub.committer.pending, logger, exit: (code) => process.exit(code) });

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
