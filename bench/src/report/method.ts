// The "Method" section of latest.md: how the figures above were taken.
import { RESOLUTION_MS } from "../lib/loop-delay.ts";
import type { Report } from "../report.ts";
import type { Out } from "./format.ts";

export function methodSection(r: Report, out: Out) {
  const s = r.settings;
  const parts = s.generatorProcesses;
  out(`## Method`);
  out();
  out(
    `- Scenarios, in the order they run (\`--only=\` picks some): fan-out (the headline shape, then the grid), ramp, many rooms (\`rooms\`), soak, durable, cold, rest, memory, generators. ` +
      `Short forms for development: \`--quick\` (every scenario, shorter), \`--servers=marginalia,embedded,relay,hocuspocus\`, \`--clients=\`/\`--rates=\` (grid), \`--rooms=N\` (many rooms: 3N clients, 0.7N writes/s), \`--soak-seconds=S\` or \`--soak-minutes=M\` and \`--soak-windows=W\`, \`--out=FILE\` (write elsewhere than latest.md: a bare name beside it in bench/results, a path from the working directory).`,
  );
  out(
    `- Each server runs in a process of its own; the load generator is ${parts === 1 ? "one more child process" : `${parts} more child processes`} (src/generator.ts) per run; the orchestrator waits idle. ` +
      `On 2 cores a second generator process (or a worker thread) takes CPU from the server under test, so one is the default (\`--generators=N\` changes it; "One generator process or two" above measures it when present).`,
  );
  out(`- Marginalia runs twice, as two processes started side by side: on Postgres (a database of its own for the run) and on its embedded database (PGlite in a worker, in a fresh data directory, DATABASE_URL unset: what \`pnpm start\` does by default). Every load scenario runs both, one after the other, against the same relay and Hocuspocus processes. Scenarios that measure Marginalia alone (durable lag alone, cold load, REST, memory, generators) use the Postgres one.`);
  out(`- Lightweight receivers are raw websocket clients (src/lib/raw-ws.ts) that never integrate an update: they find a fixed-width marker (\`~MRK\`, step, phase, writer, sequence, send time in epoch µs) in the update bytes. Writers keep their own Y.Doc and create one annotation per write (the marker in its body, padded with ordinary text to the stated body length), as a client would; Marginalia checks and persists each. Marginalia's writers ask for durability acks (\`?acks=1\`).`);
  out(
    `- Members: in the headline shape the ${s.shape.clients} sockets connect as ${s.shape.members} accounts of one group (the owner and annotators who accepted an invitation), dealt in turn, and each writer authors its annotations as its own member, so that Marginalia authorizes writes from several members on one document. ` +
      `The grid, ramp and many-rooms scenarios connect every socket as the one owner. The bench lifts Marginalia's per-user socket cap either way.`,
  );
  out(`- Writes are open-loop: write i of a step is due at start + i/R and goes out then whatever the servers do; the lag columns say how late they actually went out. Latency is measured from the actual send.`);
  out(`- CPU columns are a share of one core over the step's measured window: the generator's (from inside it) and the server process's (from /proc, so that a busy server's late answers cannot skew it). RSS is the server process's at the end of the window, from /proc.`);
  out(
    `- **Server loop delay**: every server process (Marginalia's, the relay's and Hocuspocus's wrappers alike, through the IPC code they share: src/lib/loop-delay.ts) keeps a \`perf_hooks.monitorEventLoopDelay\` histogram sampling every ${RESOLUTION_MS} ms, the same resolution as Marginalia's own /metrics. ` +
      `Before each load run the orchestrator hands every server the measured windows (epoch times, the generator's clock); the server resets the histogram at each window's start and reads p99 and max at its end on its own timers, so no IPC round trip sits in the window's edges. ` +
      `The histogram records whole sampling intervals, so ${RESOLUTION_MS} ms is taken off each figure: 0 means the loop was never late by more than the sampling noise. "≥ N (one stall over the window)" means the loop did not come round once from the window's start to its end; N is how late the start was seen.`,
  );
  out(`- **Many rooms**: ${s.rooms.rooms} rooms with ${s.roomShape.clientsPerRoom} sockets each (socket i in room i mod ${s.rooms.rooms}; sockets 0–${s.rooms.rooms - 1} are the writers, one per room), ${Math.round(s.rooms.rooms * s.roomShape.writesPerRoomPerSec)} writes/s in turn over the writers, so each room gets the same share. A write is expected by the other sockets of its room only. The ${s.rooms.rooms} Marginalia articles are made inside the server process (its article service, in batches of 25), not over HTTP.`);
  out(`- **Soak**: one load run whose steps are consecutive windows at the same rate with no gap between them; only the first window has a warm-up. Latencies are binned by the window in which the write was sent; a write late to arrive still counts in its own window.`);
  out(`- "Against the targets" does not judge a latency ratio when either side left deliveries missing after its settle time: that side's p99 then measures a backlog (often a starved machine), not the server.`);
  out(`- Marginalia's bench configuration unloads idle documents after 250 ms (so that cold loads are cold); otherwise it runs as shipped, authorizing and persisting every update.`);
  for (const n of r.notes) out(`- ${n}`);
  out();
  out(`Settings: \`${JSON.stringify(r.settings)}\``);
  out();
}
