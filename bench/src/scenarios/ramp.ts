// Rising rates on one document until p99 passes the limit: the highest sustained rate per server.
import type { StepOutcome } from "../lib/load.ts";
import { type ServerId, freshRoom } from "../lib/targets.ts";
import { type Ctx, pick } from "./context.ts";
import { stepLine } from "./fanout.ts";

export type RampRow = { server: ServerId; steps: StepOutcome[]; errors: string[] };

export async function ramp(ctx: Ctx) {
  const r = ctx.settings.ramp;
  for (const t of pick(ctx, r.servers)) {
    const room = await freshRoom(t, "ramp");
    ctx.log(`ramp: ${t.id}, ${r.clients} clients`);
    const out = await ctx.load(t, room, {
      clients: r.clients,
      writers: ctx.settings.writers,
      fullClients: 0,
      steps: r.rates.map((rate) => ({ rate, warmupMs: r.warmupMs, measureMs: r.measureMs })),
      gapMs: r.gapMs,
      settleMs: r.settleMs,
      acks: false,
      stopAboveP99Ms: ctx.settings.p99LimitMs,
    });
    ctx.report.ramp.push({ server: t.id, steps: out.steps, errors: out.errors });
    for (const s of out.steps) ctx.log(stepLine(`${t.id} ${s.rate}/s`, s));
  }
}
