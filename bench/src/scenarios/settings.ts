// What `pnpm bench` and `pnpm bench --quick` run, and the flags that narrow it for development.
import type { ServerId } from "../lib/targets.ts";

export function settingsFor(args: string[]) {
  const quick = args.includes("--quick");
  const listArg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(",");
  const numArg = (name: string) => (listArg(name) ? Number(listArg(name)![0]) : undefined);
  const full = {
    fanout: { clients: [50, 200, 500], rates: [10, 100, 500], warmupMs: 1000, measureMs: 5000, gapMs: 1500, settleMs: 2500, fullCheckMs: 5000 },
    issue: { warmupMs: 2000, measureMs: 10_000, settleMs: 2500 },
    ramp: {
      clients: 200,
      rates: [100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000],
      warmupMs: 1000,
      measureMs: 3000,
      gapMs: 1500,
      settleMs: 3000,
      servers: ["marginalia", "embedded", "relay", "hocuspocus"] as ServerId[],
    },
    rooms: { rooms: 500, warmupMs: 3000, measureMs: 20_000, settleMs: 3000 },
    soak: { seconds: 300, windows: 5, servers: ["marginalia", "embedded", "relay"] as ServerId[] },
    durable: { rate: 100, ms: 10_000 },
    cold: { annotations: 10_000, updates: 100_000, before: 3, after: 7 },
    rest: { requests: 200 },
    memory: { docs: 50, annotations: 100, freshProcesses: true, settleMs: 2500 },
    generatorsExperiment: true,
  };
  // Quick mode: the same scenarios, shorter and smaller.
  const s: typeof full = !quick
    ? full
    : {
        ...full,
        fanout: { clients: [200], rates: [10, 100, 500], warmupMs: 300, measureMs: 1200, gapMs: 500, settleMs: 800, fullCheckMs: 1500 },
        issue: { warmupMs: 500, measureMs: 2000, settleMs: 1000 },
        ramp: { ...full.ramp, rates: [150, 300, 500, 800], warmupMs: 300, measureMs: 1000, gapMs: 500, settleMs: 1200, servers: ["marginalia", "hocuspocus"] },
        rooms: { rooms: 500, warmupMs: 1000, measureMs: 3000, settleMs: 1500 },
        soak: { ...full.soak, seconds: 30, windows: 3 },
        durable: { rate: 100, ms: 3000 },
        cold: { annotations: 800, updates: 8_000, before: 1, after: 3 },
        rest: { requests: 20 },
        memory: { ...full.memory, docs: 6, freshProcesses: false, settleMs: 1000 },
        generatorsExperiment: false,
      };
  // Narrowing for development: --clients=200 --rates=100 --rooms=100 --soak-seconds=20 --soak-windows=2
  if (listArg("clients")) s.fanout.clients = listArg("clients")!.map(Number);
  if (listArg("rates")) s.fanout.rates = listArg("rates")!.map(Number);
  if (numArg("rooms")) s.rooms.rooms = numArg("rooms")!;
  if (numArg("soak-seconds")) s.soak.seconds = numArg("soak-seconds")!;
  if (numArg("soak-minutes")) s.soak.seconds = numArg("soak-minutes")! * 60;
  if (numArg("soak-windows")) s.soak.windows = numArg("soak-windows")!;
  return {
    ...s,
    quick,
    /** The shape of the sessions that prompted these figures: many members, many writers, real bodies. */
    shape: { clients: 200, members: 10, writers: 20, rate: 100, bodyChars: 200 },
    /** Hocuspocus's published many-documents shape, per room: 3 clients; 0.7 writes/s. */
    roomShape: { clientsPerRoom: 3, writesPerRoomPerSec: 0.7 },
    writers: 10,
    fullClients: 2,
    p99LimitMs: 50,
    /** Generator processes per fan-out run (receivers split between them); one by default, see the report's method. */
    generatorProcesses: numArg("generators") ?? 1,
  };
}

export type Settings = ReturnType<typeof settingsFor>;
