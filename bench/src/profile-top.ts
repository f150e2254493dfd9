// Summarizes a V8 .cpuprofile (from `pnpm bench --profile`, or any node --cpu-prof):
// the functions with the most self time, and the most inclusive time.
//   tsx bench/src/profile-top.ts bench/results/profiles/CPU.…cpuprofile [count] [function]
// PROFILE_WINDOW=12-22 keeps the samples from 12 s to 22 s after the profile began (a load run's
// window, without the server's start and setup); PROFILE_WINDOW=timeline prints busy time per second.
import { readFileSync } from "node:fs";
import { type CallFrame, frameLabel } from "./lib/call-frame.ts";

type Node = {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
};
type Profile = { nodes: Node[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

const [file, countArg, under] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts FILE.cpuprofile [count] [function name: only time spent under it]");
const count = Number(countArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Time per sample, attributed to its node.
const window = process.env.PROFILE_WINDOW;
const [fromS, toS] = window && window !== "timeline" ? window.split("-").map(Number) : [0, Infinity];
const selfUs = new Map<number, number>();
const busyPerSecond = new Map<number, number>();
let atUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  atUs += profile.timeDeltas[i] ?? 0;
  const id = profile.samples[i]!;
  const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
  const second = Math.floor(atUs / 1e6);
  if (byId.get(id)!.callFrame.functionName !== "(idle)") busyPerSecond.set(second, (busyPerSecond.get(second) ?? 0) + us);
  if (second < fromS! || second >= toS!) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + us);
}
if (window === "timeline") {
  for (const [second, us] of busyPerSecond) console.log(`${String(second).padStart(4)} s  ${(us / 1e4).toFixed(0).padStart(3)}% busy`);
  process.exit(0);
}
const label = (n: Node) => frameLabel(n.callFrame);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
const isUnder = (id: number) => {
  if (!under) return true;
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.functionName === under) return true;
  return false;
};
for (const [id, us] of selfUs) {
  if (!isUnder(id)) continue;
  total += us;
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${l}`);
  }
};
show("self time", self);
show("inclusive time", inclusive);
