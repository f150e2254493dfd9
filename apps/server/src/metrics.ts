import { Hono } from "hono";
import type { Operation } from "./openapi/describe.ts";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { hashSecret, secretMatches } from "./auth/secrets.ts";
import type { AppEnv } from "./context.ts";
import { ApiError, closeCodeName } from "./errors.ts";
import type { EmbeddedMemory } from "./embedded/database.ts";
import type { MailOutcome } from "./mail/retries.ts";
import { replaceOpenFdsMetric } from "./open-fds-metric.ts";
import type { SyncHub } from "./sync/hub.ts";
import type { SyncObserver } from "./sync/observer.ts";

/** Seconds, for latencies measured on the event loop: most land well under a millisecond. */
const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Prometheus metrics for one process: Node's own (event-loop delay among
 * them, from monitorEventLoopDelay), the sync core's counts through its
 * observer, and gauges read from the hub when scraped.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  replaceOpenFdsMetric(registry);
  const registers = [registry];
  const closes = new Counter({ name: "marginalia_socket_closes_total", help: "Sockets the server closed, by close code", labelNames: ["code"], registers });
  // Its count is the number of updates taken from sockets.
  const applied = new Histogram({ name: "marginalia_update_apply_seconds", help: "Applying one authorized socket update, on the event loop", buckets: FAST_BUCKETS, registers });
  const broadcastDelay = new Histogram({
    name: "marginalia_fanout_delay_seconds",
    help: "From an update applied to its broadcast to the document's other sockets",
    buckets: FAST_BUCKETS,
    registers,
  });
  const fanout = new Counter({ name: "marginalia_updates_out_total", help: "Update messages sent to sockets", registers });
  const commits = new Histogram({
    name: "marginalia_commit_seconds",
    help: "One attempt at a group commit, by outcome",
    labelNames: ["outcome"],
    buckets: FAST_BUCKETS,
    registers,
  });
  const committed = new Counter({ name: "marginalia_updates_committed_total", help: "Updates written by the group commit", registers });
  const mail = new Counter({
    name: "marginalia_mail_total",
    help: "Tries at mail: delivered, deferred (failed for now, tried again later), failed (refused or out of tries), dropped (given up unsent: too many waiting, or the process stopped)",
    labelNames: ["outcome"],
    registers,
  });
  const mailCounted = (outcome: MailOutcome) => mail.inc({ outcome });
  const refused = new Counter({
    name: "marginalia_updates_refused_total",
    help: "Socket updates refused, by where (socket: judged before applying; commit: not stored for its content or its writer's member id, never for a stop or a reload) and the close code's name the socket was closed with",
    labelNames: ["stage", "code"],
    registers,
  });
  const relayLag = new Histogram({
    name: "marginalia_relay_lag_seconds",
    help: "Round trip of each relay connection's heartbeat PING; on the subscriber its answer follows every message relayed before it, so this is how far behind this process reads the other processes' updates",
    labelNames: ["connection"],
    buckets: FAST_BUCKETS,
    registers,
  });

  const observer: SyncObserver = {
    closed: (code) => closes.inc({ code: String(code) }),
    applied: (ms) => applied.observe(ms / 1000),
    broadcast: (recipients, delayMs) => {
      fanout.inc(recipients);
      broadcastDelay.observe(delayMs / 1000);
    },
    committed: (updates, ms, ok) => {
      commits.observe({ outcome: ok ? "written" : "failed" }, ms / 1000);
      if (ok) committed.inc(updates);
    },
    refused: (stage, code) => refused.inc({ stage, code: closeCodeName(code) }),
    relayLag: (connection, ms) => relayLag.observe({ connection }, ms / 1000),
  };

  /** Gauges read from the hub at each scrape. */
  function watch(hub: SyncHub) {
    new Gauge({ name: "marginalia_sockets", help: "Open sync sockets", registers, collect() { this.set(hub.socketCount); } });
    new Gauge({ name: "marginalia_documents_loaded", help: "Documents loaded in this process", registers, collect() { this.set(hub.loadedDocuments); } });
    new Gauge({ name: "marginalia_commit_queue", help: "Updates accepted and not yet written", registers, collect() { this.set(hub.committer.pending); } });
  }

  /**
   * The embedded database's thread, read when scraped: its heap and PGlite's
   * WebAssembly memory are part of this process's resident memory, and
   * nothing else in it reports them (embedded/database.ts, `memory`).
   */
  function watchDatabaseThread(memory: () => Promise<EmbeddedMemory>) {
    new Gauge({
      name: "marginalia_database_thread_memory_bytes",
      help: "The embedded database's thread: its JavaScript heap in use (heap_used) and in pages (heap), and PGlite's WebAssembly memory (wasm)",
      labelNames: ["part"],
      registers,
      async collect() {
        const m = await memory();
        this.set({ part: "heap_used" }, m.heapBytes);
        this.set({ part: "heap" }, m.heapPhysicalBytes);
        if (m.wasmBytes !== null) this.set({ part: "wasm" }, m.wasmBytes);
      },
    });
  }

  return { registry, observer, mailCounted, watch, watchDatabaseThread };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * GET /metrics, in Prometheus' text format. With a token configured it must
 * come as a bearer token; without one the figures are open, as they name no
 * person, document or group.
 */
/**
 * /metrics as the OpenAPI document lists it. The route is mounted beside the API (app.ts), with the
 * process's registry, so the document is told of it here rather than read off the API's router.
 */
export const METRICS_OPERATION: Operation = {
  method: "get",
  path: "/metrics",
  tag: "meta",
  summary: "Prometheus metrics: sockets, documents, updates, fan-out and commit latency, mail, refusals, event-loop delay, memory",
  auth: false,
  responses: { 200: "Prometheus text exposition format", 401: "METRICS_TOKEN is set and the request does not carry it as `Authorization: Bearer …`" },
  produces: ["text/plain"],
};

export function metricsRoutes(metrics: Metrics, token: string | undefined) {
  const expected = token ? hashSecret(`Bearer ${token}`) : null;
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (expected && !secretMatches(c.req.header("authorization") ?? "", expected)) {
      throw new ApiError("unauthenticated", "This needs the metrics token");
    }
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  }).all("/metrics", () => {
    // A scrape is a GET; anything else is told so, as on the API's paths (http/allowed-methods.ts).
    throw Object.assign(new ApiError("method_not_allowed", "The metrics are read with GET"), { allow: ["GET", "HEAD"] });
  });
}
