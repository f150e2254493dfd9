import type { Endpoint } from "./protocol.ts";

/** One rate held for a while: warm-up writes are sent but not measured. */
export type Step = { rate: number; warmupMs: number; measureMs: number };

/** Who a socket connects as: Marginalia checks that an annotation's author is the sender's member id. */
export type Identity = { token: string; userId: string };

export type GeneratorConfig = {
  /** The first room, and the token of the full clients. */
  endpoint: Endpoint;
  /** Lightweight sockets connect as these in turn (global socket index modulo their count). */
  identities: Identity[];
  /** Rooms (document names) the sockets are dealt over in turn; writer w writes into room w mod rooms. */
  rooms: string[];
  /** Annotation bodies are padded to this many characters (the marker included); 0 leaves them short. */
  bodyChars: number;
  /** Lightweight sockets in this process; writers are among them in part 0. */
  sockets: number;
  /** Global index of this part's first socket. */
  firstSocket: number;
  writers: number;
  /** Full Y.Doc clients (a provider each), in part 0, for correctness. */
  fullClients: number;
  steps: Step[];
  /** Pause between steps, so that one step's backlog does not spill into the next. */
  gapMs: number;
  /** How long receivers keep listening after the last write. */
  settleMs: number;
  /** Marginalia: writers ask for durability acks and time them. */
  acks: boolean;
  part: number;
  parts: number;
  /** Lightweight sockets over all parts. */
  totalSockets: number;
  /** Sockets opened at once while connecting. */
  connectConcurrency: number;
  /** How long the full clients may take to show every annotation after the run. */
  fullCheckMs: number;
  /** A ramp: stop after the first step whose p99 passes this (single-part runs only). */
  stopAboveP99Ms?: number;
};

/** Lightweight sockets in each room when `total` are dealt over `rooms` in turn. */
export function roomSizes(total: number, rooms: number): number[] {
  return Array.from({ length: rooms }, (_, r) => Math.floor(total / rooms) + (r < total % rooms ? 1 : 0));
}

/** Deliveries write `seq` should make: everyone else in its writer's room. */
export function expectedDeliveries(sizes: number[], writers: number, seq: number): number {
  return sizes[(seq % writers) % sizes.length]! - 1;
}

/** Schedule shared by every part: write `seq` belongs to step `stepOf`, measured or warm-up. */
export type Schedule = { starts: number[]; counts: number[]; warm: number[]; offsetsMs: number[]; total: number };

export function schedule(steps: Step[], gapMs: number): Schedule {
  const starts: number[] = [];
  const counts: number[] = [];
  const warm: number[] = [];
  const offsetsMs: number[] = [];
  let seq = 0;
  let t = 0;
  for (const s of steps) {
    starts.push(seq);
    offsetsMs.push(t);
    const n = Math.max(1, Math.round((s.rate * (s.warmupMs + s.measureMs)) / 1000));
    counts.push(n);
    warm.push(Math.round((s.rate * s.warmupMs) / 1000));
    seq += n;
    t += s.warmupMs + s.measureMs + gapMs;
  }
  return { starts, counts, warm, offsetsMs, total: seq };
}

export type StepResult = {
  /** Fan-out latencies in ms, one per measured delivery, in this part. */
  latencies: Float64Array;
  /** Generator lag in ms for each measured write: how late it went out (part 0). */
  lag: Float64Array;
  /** Durable-ack latencies in ms for measured writes (part 0, Marginalia). */
  durable: Float64Array;
  /** Measured writes actually sent, and the wall time they took (part 0). */
  sent: number;
  sendSpanMs: number;
  /** CPU this process used over the step, in ms. */
  cpuMs: number;
  wallMs: number;
};

export type GeneratorResult = {
  part: number;
  connectMs: number;
  steps: StepResult[];
  /** Deliveries per write over this part's sockets (a writer's own socket is not counted). */
  deliveries: Uint16Array;
  errors: string[];
  closedEarly: number;
  /** Full clients that ended with every annotation written in the run. */
  fullClientsComplete: number;
  fullClientsChecked: number;
};
