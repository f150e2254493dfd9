// The many-rooms section of latest.md.
import { fmt, ratio } from "../lib/stats.ts";
import { NAMES, type ServerId } from "../lib/targets.ts";
import type { Report } from "../report.ts";
import { memoryLine } from "../scenarios/rooms.ts";
import { type Out, latencyCells, loopCell, pct } from "./format.ts";

export const roomsRow = (r: Report, server: ServerId) => r.rooms.find((x) => x.server === server);

export function roomsSection(r: Report, out: Out) {
  if (!r.rooms.length) return;
  const first = r.rooms[0]!;
  const { clientsPerRoom, writesPerRoomPerSec } = r.settings.roomShape;
  out(`## Many rooms`);
  out();
  out(
    `Hocuspocus's published shape: ${first.clients.toLocaleString("en-US")} clients over ${first.rooms} rooms (${clientsPerRoom} per room), ${first.rate} writes/s in all (${writesPerRoomPerSec} per room), ` +
      `one writer per room and ${clientsPerRoom - 1} receivers, ${r.settings.shape.bodyChars}-character bodies. Marginalia's rooms are ${first.rooms} articles of one group (made inside its process, through the same service as the REST call); ` +
      `Hocuspocus stores into Postgres. One step: ${fmt(r.settings.rooms.warmupMs / 1000, 0)} s of warm-up, then ${fmt(r.settings.rooms.measureMs / 1000, 0)} s measured. RSS is the server process's at the end of the measured window, with every room loaded.`,
  );
  out();
  out(`| server | p50 | p95 | p99 | max (ms) | server loop delay p99 / max (ms) | server RSS (MB) | server CPU | sent/s | missing | gen lag p99 (ms) | gen CPU | connect (s) | rooms made (s) | p99 vs Hocuspocus | RSS vs Hocuspocus |`);
  out(`|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`);
  const h = roomsRow(r, "hocuspocus");
  for (const x of r.rooms) {
    const ours = x.server === "marginalia" || x.server === "embedded";
    out(
      `| ${NAMES[x.server]} | ${latencyCells(x)} | ${loopCell(x)} | ${fmt(x.serverRssMb, 0)} | ${pct(x.serverCpu)} | ${fmt(x.sentPerSec, 0)} | ${x.missing.toLocaleString("en-US")} | ${fmt(x.lag.p99)} | ${pct(x.generatorCpu)} | ${fmt(x.connectMs / 1000)} | ${fmt(x.seedMs / 1000)} | ${ours ? ratio(x.latency.p99, h?.latency.p99) : ""} | ${ours ? ratio(x.serverRssMb, h?.serverRssMb) : ""} |`,
    );
  }
  const measured = r.rooms.filter((x) => x.memory);
  if (measured.length) {
    out();
    out(`Marginalia's memory by part, read from the process just after the measured window (MB; the rest is code, its other threads' stacks and heaps, and native allocations):`);
    out();
    for (const x of measured) out(`- ${NAMES[x.server]}: ${memoryLine(x.memory!)}.`);
  }
  for (const x of r.rooms.filter((x) => x.errors.length || x.closedEarly)) {
    out();
    out(`Errors, ${NAMES[x.server]}: ${x.closedEarly} sockets closed early; ${x.errors.slice(0, 5).join("; ")}`);
  }
  out();
}
