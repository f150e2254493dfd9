// The load generator: a child process (forked by run.ts) holding N websocket
// clients on one document, or dealt over many rooms, as members of a group or
// as one account. Part 0 also holds the writers and the full Y.Doc clients.
// Protocol with the parent, over IPC:
//   parent → {type: "config", config}      child → {type: "ready", connectMs}
//   parent → {type: "go", startEpochMs}     child → {type: "done", result}
//
// Writes are open-loop: write i of a step is due at start + i/R whatever the
// server does; how late each one actually went out is reported as the
// generator's lag. Receivers never integrate updates: they look for the
// fixed-width marker (lib/protocol.ts) in the update bytes.
import * as Y from "yjs";
import { annotationsOf, createAnnotation } from "@marginalia/schema";
import {
  type Endpoint,
  classify,
  isJoinSignal,
  markedBody,
  marker,
  nowMicros,
  openingMessages,
  scanMarkers,
  socketUrl,
  updateMessage,
} from "./lib/protocol.ts";
import { type Full, openFullClient } from "./lib/full-client.ts";
import { RawSocket } from "./lib/raw-ws.ts";
import { Growable } from "./lib/stats.ts";
import { type GeneratorConfig, type GeneratorResult, type StepResult, expectedDeliveries, roomSizes, schedule } from "./lib/types.ts";

const send = (msg: unknown) => process.send!(msg);
process.on("exit", (code) => { if (code !== 0 || !doneSent) console.error(`generator part exiting with ${code} before its result was sent`); });
let doneSent = false;

const config = await new Promise<GeneratorConfig>((resolve) =>
  process.once("message", (m: { type: string; config: GeneratorConfig }) => resolve(m.config)),
);
const ep: Endpoint = config.endpoint;
const plan = schedule(config.steps, config.gapMs);
const stepOfSeq = new Uint8Array(plan.total);
const measuredSeq = new Uint8Array(plan.total);
for (let k = 0; k < plan.counts.length; k++) {
  for (let i = 0; i < plan.counts[k]!; i++) {
    stepOfSeq[plan.starts[k]! + i] = k;
    measuredSeq[plan.starts[k]! + i] = i >= plan.warm[k]! ? 1 : 0;
  }
}
const deliveries = new Uint16Array(plan.total);
const latencies = config.steps.map(() => new Growable());
const lags = config.steps.map(() => new Growable());
const durables = config.steps.map(() => new Growable());
const errors: string[] = [];
let closedEarly = 0;
let running = true;

type Light = { socket: RawSocket; writer: number; joined: Promise<void> };

/** Where the socket with this global index connects, and as whom. */
function endpointOf(socket: number): Endpoint {
  const who = config.identities[socket % config.identities.length]!;
  return { ...ep, docName: config.rooms[socket % config.rooms.length]!, token: who.token };
}

/** A lightweight socket: scans updates for markers, counts and times them. */
async function openLight(socketEp: Endpoint, writer: number, acks: boolean, onAck?: (n: number) => void): Promise<Light> {
  let joinedResolve!: () => void;
  let joinedReject!: (e: Error) => void;
  const joined = new Promise<void>((res, rej) => ((joinedResolve = res), (joinedReject = rej)));
  let hasJoined = false;
  let now = 0;
  const onMarker = (_step: number, measured: boolean, w: number, seq: number, sent: number) => {
    if (w === writer || seq >= plan.total) return;
    deliveries[seq]!++;
    if (measured) latencies[stepOfSeq[seq]!]!.push((now - sent) / 1000);
  };
  const socket = await RawSocket.open(socketUrl(socketEp, acks), {
    onMessage(buf) {
      const c = classify(ep.kind, buf);
      if (c.kind === "update") {
        now = nowMicros();
        scanMarkers(buf, c.offset, onMarker);
      } else if (c.kind === "ack") onAck?.(c.n);
      else if (c.kind === "denied") joinedReject(new Error(`refused: ${c.reason}`));
      else if (isJoinSignal(ep, c)) {
        hasJoined = true;
        joinedResolve();
      }
    },
    onClose(code, reason) {
      joinedReject(new Error(`closed ${code} ${reason}`));
      if (running && hasJoined) {
        closedEarly++;
        if (errors.length < 20) errors.push(`socket closed during the run: ${code} ${reason}`);
      }
    },
  });
  for (const m of openingMessages(socketEp)) socket.send(m);
  return { socket, writer, joined };
}

/** Opens a socket until it has joined, trying again as a client would when the server closes it first (a slow admission). */
async function joinLight(socketEp: Endpoint, writer: number, acks: boolean, onAck?: (n: number) => void): Promise<Light | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      const light = await openLight(socketEp, writer, acks, onAck);
      await light.joined;
      return light;
    } catch (err) {
      if (attempt < 3) await new Promise((r) => setTimeout(r, 1000 * attempt));
      else if (writer >= 0) throw err;
      else {
        if (errors.length < 20) errors.push(`a receiver could not join in 3 tries: ${(err as Error).message}`);
        return null;
      }
    }
  }
}

type Writer = { index: number; light: Light; doc: Y.Doc; userId: string; sentAt: number[]; measured: boolean[]; steps: number[]; acked: number; ids: string[] };

const t0 = performance.now();
/** By index: write `seq` goes to writer seq mod writers, whose room is its index mod rooms. */
const writers: Writer[] = [];
const lights: Light[] = [];
const writerCount = config.part === 0 ? config.writers : 0;

// Connect in waves, so that admission (a few queries per socket on Marginalia) is not a thundering herd.
for (let i = 0; i < config.sockets; i += config.connectConcurrency) {
  const wave: Promise<void>[] = [];
  for (let j = i; j < Math.min(config.sockets, i + config.connectConcurrency); j++) {
    wave.push(
      (async () => {
        const socketEp = endpointOf(config.firstSocket + j);
        if (j < writerCount) {
          const userId = config.identities[(config.firstSocket + j) % config.identities.length]!.userId;
          const w: Writer = { index: j, light: null as unknown as Light, doc: new Y.Doc(), userId, sentAt: [], measured: [], steps: [], acked: 0, ids: [] };
          w.light = (await joinLight(socketEp, j, config.acks, (n) => {
            const now = performance.now();
            for (; w.acked < n; w.acked++) {
              if (w.measured[w.acked]) durables[w.steps[w.acked]!]!.push(now - w.sentAt[w.acked]!);
            }
          }))!;
          w.doc.on("update", (update: Uint8Array) => w.light.socket.send(updateMessage(ep.kind, socketEp.docName, update)));
          writers[j] = w;
          lights.push(w.light);
        } else {
          const l = await joinLight(socketEp, -1, false);
          if (l) lights.push(l);
        }
      })(),
    );
  }
  await Promise.all(wave);
}

const fulls: Full[] = [];
if (config.part === 0) for (let i = 0; i < config.fullClients; i++) fulls.push(await openFullClient(ep));
const connectMs = performance.now() - t0;
send({ type: "ready", connectMs });

const go = await new Promise<{ startEpochMs: number }>((resolve) =>
  process.once("message", (m: { type: string; startEpochMs: number }) => resolve(m)),
);
const epochNow = () => performance.timeOrigin + performance.now();
const start = performance.now() + (go.startEpochMs - epochNow());

const stepResults: StepResult[] = [];
for (let k = 0; k < config.steps.length; k++) {
  const step = config.steps[k]!;
  const stepStart = start + plan.offsetsMs[k]!;
  const measureStart = stepStart + step.warmupMs;
  const stepEnd = measureStart + step.measureMs;
  const interval = 1000 / step.rate;
  let cpuAtMeasure: NodeJS.CpuUsage | null = null;
  let wallAtMeasure = 0;
  let firstMeasuredSend = 0;
  let lastMeasuredSend = 0;
  let sentMeasured = 0;

  await new Promise<void>((resolve) => {
    let i = 0;
    const count = config.part === 0 && writers.length ? plan.counts[k]! : 0;
    const tick = () => {
      const now = performance.now();
      if (!cpuAtMeasure && now >= measureStart) {
        cpuAtMeasure = process.cpuUsage();
        wallAtMeasure = now;
      }
      while (i < count && stepStart + i * interval <= now) {
        const due = stepStart + i * interval;
        const seq = plan.starts[k]! + i;
        const measured = i >= plan.warm[k]!;
        const w = writers[seq % writers.length]!;
        const sendNow = performance.now();
        if (measured) {
          lags[k]!.push(sendNow - due);
          if (!firstMeasuredSend) firstMeasuredSend = sendNow;
          lastMeasuredSend = sendNow;
          sentMeasured++;
        }
        w.sentAt.push(sendNow);
        w.measured.push(measured);
        w.steps.push(k);
        const id = createAnnotation(w.doc, {
          kind: "comment",
          authorId: w.userId,
          body: markedBody(marker(k, measured, w.index, seq, nowMicros()), config.bodyChars),
        });
        if (fulls.length) w.ids.push(id);
        i++;
      }
      const later = performance.now();
      if (later >= stepEnd && i >= count) return resolve();
      const nextDue = i < count ? stepStart + i * interval : stepEnd;
      const wakeAt = cpuAtMeasure ? nextDue : Math.min(nextDue, measureStart);
      setTimeout(tick, Math.max(0, wakeAt - later));
    };
    setTimeout(tick, Math.max(0, stepStart - performance.now()));
  });
  const cpu = process.cpuUsage(cpuAtMeasure ?? undefined);
  stepResults.push({
    latencies: new Float64Array(0),
    lag: new Float64Array(0),
    durable: new Float64Array(0),
    sent: sentMeasured,
    sendSpanMs: sentMeasured > 1 ? ((lastMeasuredSend - firstMeasuredSend) * sentMeasured) / (sentMeasured - 1) : step.measureMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs: performance.now() - (wallAtMeasure || measureStart),
  });
  // Let this step's deliveries drain before the next rate starts.
  const gapEnd = stepEnd + (k === config.steps.length - 1 ? config.settleMs : config.gapMs);
  await new Promise((r) => setTimeout(r, Math.max(0, gapEnd - performance.now())));
  if (config.stopAboveP99Ms !== undefined && config.parts === 1 && k < config.steps.length - 1) {
    const sorted = latencies[k]!.take().sort();
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]! : Infinity;
    let missing = 0;
    const sizes = roomSizes(config.totalSockets, config.rooms.length);
    for (let s = plan.starts[k]! + plan.warm[k]!; s < plan.starts[k]! + plan.counts[k]!; s++) {
      missing += Math.max(0, expectedDeliveries(sizes, config.writers, s) - deliveries[s]!);
    }
    if (p99 > config.stopAboveP99Ms || missing > 0) {
      // The rest of the ramp would only measure a backlog; the listeners stay until the settle time.
      await new Promise((r) => setTimeout(r, Math.max(0, config.settleMs - config.gapMs)));
      break;
    }
  }
}
running = false;

// Correctness: every full client must hold every annotation written in the run.
let fullClientsComplete = 0;
if (fulls.length) {
  // The full clients are in the first room: only its writers' annotations reach them.
  const ids = writers.filter((w) => w.index % config.rooms.length === 0).flatMap((w) => w.ids);
  const deadline = performance.now() + config.fullCheckMs;
  for (const full of fulls) {
    const map = annotationsOf(full.doc);
    while (ids.some((id) => !map.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const missing = ids.filter((id) => !map.has(id)).length;
    if (missing === 0) fullClientsComplete++;
    else if (errors.length < 20) errors.push(`a full client misses ${missing} of ${ids.length} annotations`);
  }
}

for (let k = 0; k < stepResults.length; k++) {
  stepResults[k]!.latencies = latencies[k]!.take();
  stepResults[k]!.lag = lags[k]!.take();
  stepResults[k]!.durable = durables[k]!.take();
}
const result: GeneratorResult = {
  part: config.part,
  connectMs,
  steps: stepResults,
  deliveries,
  errors,
  closedEarly,
  fullClientsComplete,
  fullClientsChecked: fulls.length,
};
for (const l of lights) l.socket.close();
for (const f of fulls) f.destroy();
// Disconnect only once the (large) result has gone out: a disconnect drops what is still queued.
process.send!({ type: "done", result }, undefined, {}, () => {
  doneSent = true;
  process.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
});
