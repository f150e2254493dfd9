// Many small rooms: Hocuspocus's published shape (1,500 clients over 500 rooms, 3 per room, 350
// writes/s in all), one writer per room. What it measures is the cost of many documents and sockets
// at a modest rate (per-room state, admission, persistence of many documents), not one big fan-out.
import { existsSync, readFileSync } from "node:fs";
import type { ServerMemory } from "../harness.ts";
import type { StepOutcome } from "../lib/load.ts";
import { type ServerId, freshRooms } from "../lib/targets.ts";
import type { Ctx } from "./context.ts";
import { isMarginalia, stepLine } from "./fanout.ts";

export type RoomsRow = StepOutcome & {
  server: ServerId;
  rooms: number;
  clients: number;
  seedMs: number;
  connectMs: number;
  errors: string[];
  closedEarly: number;
  /** Marginalia's memory by part, read just after the measured window. */
  memory?: ServerMemory;
};

export async function manyRooms(ctx: Ctx) {
  const r = ctx.settings.rooms;
  const { clientsPerRoom, writesPerRoomPerSec } = ctx.settings.roomShape;
  const clients = r.rooms * clientsPerRoom;
  const rate = Math.round(r.rooms * writesPerRoomPerSec);
  // The generator and each server hold a descriptor per socket; the children inherit this limit.
  const openFiles = existsSync("/proc/self/limits") ? Number(/Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? Infinity) : Infinity;
  if (openFiles < clients + 200) ctx.log(`many rooms: ulimit -n is ${openFiles}, under the ${clients} sockets plus some: raise it (ulimit -n 4096) or sockets will fail to open`);
  for (const t of ctx.targets) {
    const t0 = performance.now();
    const room = await freshRooms(t, "rooms", r.rooms);
    const seedMs = performance.now() - t0;
    ctx.log(`many rooms: ${t.id}, ${clients} clients over ${r.rooms} rooms, ${rate}/s (rooms made in ${(seedMs / 1000).toFixed(1)} s)`);
    const out = await ctx.load(t, room, {
      clients,
      // One writer per room: writer w writes into room w, so every room gets the same share.
      writers: r.rooms,
      fullClients: 0,
      rooms: room.rooms,
      bodyChars: ctx.settings.shape.bodyChars,
      steps: [{ rate, warmupMs: r.warmupMs, measureMs: r.measureMs }],
      gapMs: 0,
      settleMs: r.settleMs,
      acks: isMarginalia(t),
    });
    const memory = isMarginalia(t) ? ((await t.server.child.request("memory")) as ServerMemory) : undefined;
    for (const s of out.steps) {
      ctx.report.rooms.push({ ...s, server: t.id, rooms: r.rooms, clients, seedMs, connectMs: out.connectMs, errors: out.errors, closedEarly: out.closedEarly, memory });
      ctx.log(stepLine(`${t.id} ${r.rooms} rooms, connected in ${(out.connectMs / 1000).toFixed(1)} s`, s));
    }
    if (memory) ctx.log(`  ${memoryLine(memory)}`);
    if (out.errors.length) ctx.log("  errors:", out.errors.slice(0, 3).join("; "));
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/** RSS by part, in MB: what the main thread's V8 heap and buffers hold, what the database's thread holds, and the rest. */
export function memoryLine(m: ServerMemory): string {
  const db = m.database;
  // Resident WebAssembly memory where it could be read: its byteLength counts pages never touched.
  const wasm = m.wasmResidentBytes ?? db?.wasmBytes ?? 0;
  const known = m.heapTotal + m.arrayBuffers + (db ? db.heapPhysicalBytes + wasm : 0);
  const resident = m.wasmResidentBytes == null ? "" : ` (${mb(m.wasmResidentBytes)} resident)`;
  return (
    `RSS ${mb(m.rss)}: main-thread heap ${mb(m.heapUsed)} used of ${mb(m.heapTotal)}, ArrayBuffers ${mb(m.arrayBuffers)}` +
    (db ? `, database thread heap ${mb(db.heapBytes)} used of ${mb(db.heapPhysicalBytes)}, WebAssembly ${db.wasmBytes === null ? "?" : mb(db.wasmBytes)}${resident}` : "") +
    `, the rest (code, other threads, native) ${mb(m.rss - known)}`
  );
}
