// Fan-out on one document: the headline shape (many members, many writers, real bodies), then the
// grid of client counts × rates with the simpler shape kept for comparison with earlier runs.
import { type LoadOptions, type StepOutcome, sleep } from "../lib/load.ts";
import { type Summary, fmt, summarize } from "../lib/stats.ts";
import { loopCell } from "../report/format.ts";
import { type Room, type ServerId, type Target, freshRoom } from "../lib/targets.ts";
import type { Ctx } from "./context.ts";

/** "issue": the headline shape (settings.shape); "grid": one member, settings.writers writers, short bodies. */
export type FanoutRow = StepOutcome & {
  server: ServerId;
  shape: "issue" | "grid";
  clients: number;
  members: number;
  writers: number;
  bodyChars: number;
  errors: string[];
  closedEarly: number;
  connectMs: number;
  fullOk: string;
};

export const isMarginalia = (t: Target) => t.server.kind === "marginalia";

/** A step's one-line summary for the log. */
export function stepLine(label: string, s: StepOutcome) {
  return (
    `  ${label}: p50 ${fmt(s.latency.p50)} p99 ${fmt(s.latency.p99)} max ${fmt(s.latency.max)} ms, missing ${s.missing}, ` +
    `loop delay p99 / max ${loopCell(s)} ms, gen lag p99 ${fmt(s.lag.p99)} ms, ` +
    `gen cpu ${(s.generatorCpu * 100).toFixed(0)}%, server cpu ${(s.serverCpu * 100).toFixed(0)}%, rss ${fmt(s.serverRssMb, 0)} MB`
  );
}

/** One load run on a fresh room, its steps added to the fan-out table. */
async function fanoutRun(ctx: Ctx, t: Target, room: Room, shape: FanoutRow["shape"], opts: LoadOptions & { members: number }) {
  if (t.id === "hocuspocus") await t.server.child.request("takeDurable");
  const out = await ctx.load(t, room, { ...opts, acks: isMarginalia(t) });
  let hocusDurable: Summary | undefined;
  if (t.id === "hocuspocus") {
    // Its store runs 2 s after the last change (at most 10 s apart): wait for the last one.
    await sleep(2500);
    const { lags } = await t.server.child.request<{ lags: number[] }>("takeDurable");
    hocusDurable = summarize(lags);
  }
  for (const s of out.steps) {
    ctx.report.fanout.push({
      ...s,
      server: t.id,
      shape,
      clients: opts.clients,
      members: opts.members,
      writers: opts.writers,
      bodyChars: opts.bodyChars ?? 0,
      durable: hocusDurable ?? s.durable,
      errors: out.errors,
      closedEarly: out.closedEarly,
      connectMs: out.connectMs,
      fullOk: out.fullOk,
    });
    ctx.log(stepLine(`${t.id} ${opts.clients}×${s.rate}/s`, s));
  }
  if (out.errors.length) ctx.log("  errors:", out.errors.slice(0, 3).join("; "));
}

export async function fanout(ctx: Ctx) {
  const { shape, fullClients, writers } = ctx.settings;
  const i = ctx.settings.issue;
  for (const t of ctx.targets) {
    ctx.log(`fan-out, headline shape: ${t.id}, ${shape.clients} clients over ${shape.members} members, ${shape.writers} writers, ${shape.rate}/s, ${shape.bodyChars}-character bodies`);
    const room = await freshRoom(t, "issue", shape.members);
    await fanoutRun(ctx, t, room, "issue", {
      clients: shape.clients,
      members: shape.members,
      writers: shape.writers,
      bodyChars: shape.bodyChars,
      identities: room.identities,
      fullClients,
      steps: [{ rate: shape.rate, warmupMs: i.warmupMs, measureMs: i.measureMs }],
      gapMs: 0,
      settleMs: i.settleMs,
      fullCheckMs: ctx.settings.fanout.fullCheckMs,
      acks: false,
    });
  }
  const f = ctx.settings.fanout;
  for (const clients of f.clients) {
    for (const t of ctx.targets) {
      ctx.log(`fan-out: ${t.id}, ${clients} clients, rates ${f.rates.join("/")}`);
      const room = await freshRoom(t, `fanout${clients}`);
      await fanoutRun(ctx, t, room, "grid", {
        clients,
        members: 1,
        writers,
        fullClients,
        steps: f.rates.map((rate) => ({ rate, warmupMs: f.warmupMs, measureMs: f.measureMs })),
        gapMs: f.gapMs,
        settleMs: f.settleMs,
        fullCheckMs: f.fullCheckMs,
        acks: false,
      });
    }
  }
}
