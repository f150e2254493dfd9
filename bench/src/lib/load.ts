// Shared by run.ts and one-off comparisons: server processes, load runs, probes.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { SERVER_ENV, SERVER_NODE_FLAGS } from "@marginalia/server/heap-growth.ts";
import { compiledEntry } from "./compiled.ts";
import { Child, forkNode, forkTs } from "./ipc.ts";
import { type Endpoint, type ServerKind, classify, isJoinSignal, openingMessages, socketUrl, step1Message } from "./protocol.ts";
import { RawSocket } from "./raw-ws.ts";
import { type Summary, concat, summarize } from "./stats.ts";
import { type LoopDelay, NO_LOOP_DELAY } from "./loop-delay.ts";
import { type GeneratorConfig, type GeneratorResult, expectedDeliveries, roomSizes, schedule } from "./types.ts";

// ---------------------------------------------------------------- servers
export type Server = { kind: ServerKind; child: Child; url: string; origin: string };

export type StartOptions = {
  /** Write a CPU profile of Marginalia into bench/results/profiles. */
  profile?: boolean;
  /** Run the compiled server (lib/compiled.ts, built first by the caller) rather than its TypeScript under tsx. */
  compiled?: boolean;
};

/** Starts one server in its own process. */
export async function startServer(kind: ServerKind, env: Record<string, string>, options: StartOptions = {}): Promise<Server> {
  const flags = ["--expose-gc"];
  // Marginalia runs with the flags and environment its start script gives it; the peers with Node's defaults, as
  // their docs start them.
  if (kind === "marginalia") {
    flags.push(...SERVER_NODE_FLAGS);
    if (options.profile) {
      mkdirSync(new URL("../../results/profiles", import.meta.url), { recursive: true });
      flags.push("--cpu-prof", `--cpu-prof-dir=${new URL("../../results/profiles", import.meta.url).pathname}`);
    }
  }
  // BENCH_NODE_FLAGS: extra V8 or Node flags for every server process, for experiments (say, GC settings).
  flags.push(...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean));
  const fork = { env: kind === "marginalia" ? { ...SERVER_ENV, ...env } : env, nodeFlags: flags, name: kind };
  const child = new Child(options.compiled ? forkNode(compiledEntry[kind], fork) : forkTs(`src/servers/${kind}.ts`, fork), kind);
  const ready = (await child.ready) as { url: string };
  return { kind, child, url: ready.url, origin: ready.url.replace("http", "ws") };
}

// ---------------------------------------------------------------- generator
export type StepOutcome = {
  rate: number;
  latency: Summary;
  lag: Summary;
  durable: Summary;
  sentPerSec: number;
  deliveriesPerSec: number;
  expected: number;
  delivered: number;
  missing: number;
  duplicates: number;
  generatorCpu: number;
  serverCpu: number;
  serverRssMb: number;
  /** The server process's event-loop delay over the measured window (lib/loop-delay.ts). */
  serverLoop: LoopDelay;
};
export type RunOutcome = { steps: StepOutcome[]; errors: string[]; closedEarly: number; connectMs: number; fullOk: string };

/** A load run: the generator's settings, most with defaults (one room, the endpoint's account, short bodies). */
export type LoadOptions = Pick<GeneratorConfig, "writers" | "fullClients" | "steps" | "gapMs" | "settleMs" | "acks" | "stopAboveP99Ms"> &
  Partial<Pick<GeneratorConfig, "parts" | "fullCheckMs" | "identities" | "rooms" | "bodyChars">> & { clients: number };

/** One load run: forks the generator process(es), starts them together, merges what they measured. */
export async function runLoad(server: Server, ep: Endpoint, userId: string, opts: LoadOptions): Promise<RunOutcome> {
  const parts = opts.parts ?? 1;
  const lightweight = opts.clients - opts.fullClients;
  const rooms = opts.rooms ?? [ep.docName];
  const base: Omit<GeneratorConfig, "part" | "sockets" | "firstSocket"> = {
    endpoint: { ...ep, docName: rooms[0]! },
    identities: opts.identities ?? [{ token: ep.token, userId }],
    rooms,
    bodyChars: opts.bodyChars ?? 0,
    writers: opts.writers,
    fullClients: opts.fullClients,
    steps: opts.steps,
    gapMs: opts.gapMs,
    settleMs: opts.settleMs,
    acks: opts.acks,
    parts,
    totalSockets: lightweight,
    connectConcurrency: 25,
    stopAboveP99Ms: opts.stopAboveP99Ms,
    fullCheckMs: opts.fullCheckMs ?? 5000,
  };
  let firstSocket = 0;
  const children = Array.from({ length: parts }, (_, part) => {
    const sockets = Math.floor(lightweight / parts) + (part < lightweight % parts ? 1 : 0);
    const proc = forkTs("src/generator.ts", { name: `generator ${part}` });
    proc.send({ type: "config", config: { ...base, part, sockets, firstSocket } satisfies GeneratorConfig });
    firstSocket += sockets;
    return proc;
  });
  const messages = children.map(
    (proc) =>
      new Promise<{ ready: Promise<{ connectMs: number }>; done: Promise<GeneratorResult> }>((resolve) => {
        let readyResolve!: (v: { connectMs: number }) => void;
        let doneResolve!: (v: GeneratorResult) => void;
        let fail!: (e: Error) => void;
        const ready = new Promise<{ connectMs: number }>((r, j) => ((readyResolve = r), (fail = j)));
        const done = new Promise<GeneratorResult>((r, j) => {
          doneResolve = r;
          const prev = fail;
          fail = (e) => (prev(e), j(e));
        });
        done.catch(() => {});
        ready.catch(() => {});
        proc.on("message", (m: { type: string; connectMs?: number; result?: GeneratorResult }) => {
          if (m.type === "ready") readyResolve({ connectMs: m.connectMs! });
          if (m.type === "done") doneResolve(m.result!);
        });
        proc.once("exit", (code) => fail(new Error(`generator exited with ${code}`)));
        resolve({ ready, done });
      }),
  );
  const handles = await Promise.all(messages);
  const readies = await Promise.all(handles.map((h) => h.ready));
  const start = performance.timeOrigin + performance.now() + 300;
  for (const proc of children) proc.send({ type: "go", startEpochMs: start });
  const plan = schedule(opts.steps, opts.gapMs);
  const windows = opts.steps.map((s, k) => {
    const startEpochMs = start + plan.offsetsMs[k]! + s.warmupMs;
    return { startEpochMs, endEpochMs: startEpochMs + s.measureMs };
  });
  const loopScheduled = server.child.request("loopWindows", { windows }).catch(() => false);

  // Server CPU over each step's measured window, sampled from here on the same clock,
  // from /proc (a busy server answers IPC late, which would skew its own figures).
  const serverCpu: number[] = [];
  const serverRss: number[] = [];
  const sampling = windows.map(async ({ startEpochMs, endEpochMs }, k) => {
    await sleepUntil(startEpochMs);
    const a = await processUsage(server);
    await sleepUntil(endEpochMs);
    const b = await processUsage(server);
    if (a && b) {
      serverCpu[k] = (b.cpuMs - a.cpuMs) / (b.at - a.at);
      serverRss[k] = b.rssMb;
    }
  });
  const results = await Promise.all(handles.map((h) => h.done));
  await Promise.allSettled(sampling);
  const serverLoop = (await loopScheduled) ? await server.child.request<LoopDelay[]>("loopResults").catch(() => []) : [];

  const sizes = roomSizes(lightweight, rooms.length);
  const steps: StepOutcome[] = [];
  const ran = Math.min(...results.map((r) => r.steps.length));
  for (let k = 0; k < ran; k++) {
    const s = opts.steps[k]!;
    let delivered = 0;
    let missing = 0;
    let duplicates = 0;
    for (let seq = plan.starts[k]! + plan.warm[k]!; seq < plan.starts[k]! + plan.counts[k]!; seq++) {
      const expectedPerWrite = expectedDeliveries(sizes, opts.writers, seq);
      let n = 0;
      for (const r of results) n += r.deliveries[seq]!;
      delivered += Math.min(n, expectedPerWrite);
      missing += Math.max(0, expectedPerWrite - n);
      duplicates += Math.max(0, n - expectedPerWrite);
    }
    const writer = results.find((r) => r.part === 0)!.steps[k]!;
    const latency = summarize(concat(results.map((r) => r.steps[k]!.latencies)));
    steps.push({
      rate: s.rate,
      latency,
      lag: summarize(writer.lag),
      durable: summarize(writer.durable),
      sentPerSec: (writer.sent / writer.sendSpanMs) * 1000,
      deliveriesPerSec: (latency.n / s.measureMs) * 1000,
      expected: delivered + missing,
      delivered,
      missing,
      duplicates,
      generatorCpu: results.reduce((a, r) => a + r.steps[k]!.cpuMs / r.steps[k]!.wallMs, 0),
      serverCpu: serverCpu[k] ?? NaN,
      serverRssMb: serverRss[k] ?? NaN,
      serverLoop: serverLoop[k] ?? NO_LOOP_DELAY,
    });
  }
  const full = results.find((r) => r.part === 0)!;
  return {
    steps,
    errors: results.flatMap((r) => r.errors),
    closedEarly: results.reduce((a, r) => a + r.closedEarly, 0),
    connectMs: Math.max(...readies.map((r) => r.connectMs)),
    fullOk: full.fullClientsChecked ? `${full.fullClientsComplete}/${full.fullClientsChecked}` : "–",
  };
}

let clockTicks = 0;

/** CPU time (ms) and RSS (MB) of a server process: from /proc on Linux, else asked over IPC. */
export async function processUsage(server: Server): Promise<{ cpuMs: number; rssMb: number; at: number } | null> {
  const pid = server.child.proc.pid;
  try {
    if (!clockTicks) clockTicks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
    const rssPages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return { cpuMs: (ticks * 1000) / clockTicks, rssMb: (rssPages * 4096) / 2 ** 20, at: performance.now() };
  } catch {
    const st = await server.child.stats().catch(() => null);
    return st && { cpuMs: (st.cpu.user + st.cpu.system) / 1000, rssMb: st.memory.rss / 2 ** 20, at: performance.now() };
  }
}

export function sleepUntil(epochMs: number) {
  return new Promise((r) => setTimeout(r, Math.max(0, epochMs - (performance.timeOrigin + performance.now()))));
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- one socket, for cold load and memory
export type Probe = { socket: RawSocket; next(kind: "step2" | "joined"): Promise<void> };

export async function openProbe(ep: Endpoint): Promise<Probe> {
  const waiters: Array<{ kind: string; resolve: () => void }> = [];
  // What arrived before anyone waited for it (the relay sends step 1 with the upgrade's answer).
  const unclaimed: string[] = [];
  const socket = await RawSocket.open(socketUrl(ep), {
    onMessage(buf) {
      const c = classify(ep.kind, buf);
      const kind = isJoinSignal(ep, c) ? "joined" : c.kind;
      const i = waiters.findIndex((w) => w.kind === kind);
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve();
      else unclaimed.push(kind);
    },
  });
  return {
    socket,
    next: (kind) =>
      new Promise<void>((resolve, reject) => {
        const i = unclaimed.indexOf(kind);
        if (i >= 0) {
          unclaimed.splice(i, 1);
          return resolve();
        }
        waiters.push({ kind, resolve });
        setTimeout(() => reject(new Error(`no ${kind} within 60 s${socket.closeCode ? ` (closed ${socket.closeCode} ${socket.closeReason})` : ""}`)), 60_000).unref();
      }),
  };
}

/** Socket open → synced: our step 1 answered by the server's step 2. */
export async function coldOpen(ep: Endpoint): Promise<number> {
  const probe = await openProbe(ep);
  const t0 = performance.now();
  const synced = probe.next("step2");
  for (const m of openingMessages(ep)) probe.socket.send(m);
  probe.socket.send(step1Message(ep.kind, ep.docName));
  await synced;
  const ms = performance.now() - t0;
  probe.socket.close();
  return ms;
}

export async function waitUnloaded(server: Server) {
  const deadline = Date.now() + 30_000;
  while ((await server.child.request<number>("loaded")) > 0 && Date.now() < deadline) await sleep(50);
}

