// Summarizes an allocation profile (lib/alloc-profile.ts, BENCH_ALLOC_PROFILE=DIR): the functions that
// allocated the most bytes themselves, and the most under them.
//   tsx bench/src/alloc-top.ts DIR/Alloc.PID.RUN.heapprofile [count]
import { readFileSync } from "node:fs";
import { type CallFrame, frameLabel } from "./lib/call-frame.ts";

type Node = { callFrame: CallFrame; selfSize: number; children: Node[] };

const [file, countArg] = process.argv.slice(2);
if (!file) throw new Error("usage: alloc-top.ts FILE.heapprofile [count]");
const count = Number(countArg ?? 30);
const { head } = JSON.parse(readFileSync(file, "utf8")) as { head: Node };
const label = (n: Node) => frameLabel(n.callFrame);
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
const walk = (n: Node, above: string[]) => {
  const l = label(n);
  const path = above.includes(l) ? above : [...above, l];
  if (n.selfSize) {
    total += n.selfSize;
    self.set(l, (self.get(l) ?? 0) + n.selfSize);
    for (const p of path) inclusive.set(p, (inclusive.get(p) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, path);
};
walk(head, []);
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 2 ** 20).toFixed(0)} MB sampled)`);
  for (const [l, bytes] of [...m].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${(bytes / 2 ** 20).toFixed(1).padStart(8)} MB ${((bytes / total) * 100).toFixed(1).padStart(5)}%  ${l}`);
  }
};
show("allocated by the function itself", self);
show("allocated under the function", inclusive);
