// The headline shape held for minutes, read out window by window (a minute each in full mode), to
// see whether latency, event-loop delay or memory drift as the document and the database grow.
import type { StepOutcome } from "../lib/load.ts";
import { type ServerId, freshRoom } from "../lib/targets.ts";
import { type Ctx, pick } from "./context.ts";
import { isMarginalia, stepLine } from "./fanout.ts";

export type SoakRun = { server: ServerId; windowSeconds: number; windows: StepOutcome[]; errors: string[]; closedEarly: number };

export async function soak(ctx: Ctx) {
  const { shape, fullClients } = ctx.settings;
  const s = ctx.settings.soak;
  const windowMs = (s.seconds * 1000) / s.windows;
  // Only the first window warms up; the others follow without a gap, so the load never pauses.
  const steps = Array.from({ length: s.windows }, (_, k) => ({ rate: shape.rate, warmupMs: k === 0 ? Math.min(2000, windowMs / 5) : 0, measureMs: windowMs }));
  for (const t of pick(ctx, s.servers)) {
    const room = await freshRoom(t, "soak", shape.members);
    ctx.log(`soak: ${t.id}, ${s.seconds} s in ${s.windows} windows at the headline shape`);
    const out = await ctx.load(t, room, {
      clients: shape.clients,
      writers: shape.writers,
      bodyChars: shape.bodyChars,
      identities: room.identities,
      fullClients,
      steps,
      gapMs: 0,
      settleMs: 2500,
      fullCheckMs: 10_000,
      acks: isMarginalia(t),
    });
    ctx.report.soak.push({ server: t.id, windowSeconds: windowMs / 1000, windows: out.steps, errors: out.errors, closedEarly: out.closedEarly });
    out.steps.forEach((w, k) => ctx.log(stepLine(`${t.id} window ${k + 1}`, w)));
    if (out.errors.length) ctx.log("  errors:", out.errors.slice(0, 3).join("; "));
  }
}
