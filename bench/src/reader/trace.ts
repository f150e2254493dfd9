// "Where the time went" from a Chromium trace of one page load: the renderer main thread's self time
// by kind of work (as DevTools' summary groups it), the trace events that took most, and the functions
// the sampling profiler found most often, named through the bundle's source map.
import { SourceLookup } from "./source-map.ts";

type TraceEvent = {
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  ph: string;
  name: string;
  id?: string;
  args?: { name?: string; data?: Record<string, unknown> };
};
type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; parent?: number };

export type Breakdown = {
  /** Main thread time in the window, ms, by kind. */
  kinds: Array<[string, number]>;
  events: Array<[string, number]>;
  selfFunctions: Array<[string, number]>;
  inclusiveFunctions: Array<[string, number]>;
  windowMs: number;
};

const KINDS: Array<[string, RegExp]> = [
  ["garbage collection", /GC|^BlinkGC|^V8\.GC/],
  ["script", /^(FunctionCall|EvaluateScript|TimerFire|EventDispatch|FireAnimationFrame|FireIdleCallback|RunMicrotasks|v8\.|V8\.|XHR)/],
  ["style and layout", /^(UpdateLayoutTree|Layout|RecalculateStyles|ScheduleStyleRecalculation|InvalidateLayout|HitTest|PrePaint|Layerize|IntersectionObserver)/],
  ["paint and composite", /^(Paint|PaintImage|CompositeLayers|Commit|RasterTask|Decode|UpdateLayer|PaintSetup)/],
  ["parse and load", /^(ParseHTML|ParseAuthorStyleSheet|Resource)/],
];
const kindOf = (name: string) => KINDS.find(([, re]) => re.test(name))?.[0] ?? "other (task overhead, idle bookkeeping)";

const top = (m: Map<string, number>, n: number): Array<[string, number]> =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, us / 1000]);
const add = (m: Map<string, number>, key: string, value: number) => m.set(key, (m.get(key) ?? 0) + value);

/** The renderer main thread that did the most, and the events of the window [navigation, navigation + `untilMs`]. */
export async function summarizeTrace(json: string, untilMs: number): Promise<Breakdown> {
  const events = (JSON.parse(json) as { traceEvents: TraceEvent[] }).traceEvents;
  const mains = new Set(events.filter((e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
  const busy = new Map<string, number>();
  for (const e of events) if (e.ph === "X" && mains.has(`${e.pid}:${e.tid}`)) add(busy, `${e.pid}:${e.tid}`, e.dur ?? 0);
  const main = [...busy].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!main) throw new Error("no renderer main thread in the trace");
  const pid = Number(main.split(":")[0]);
  const navigation = events.find((e) => e.name === "navigationStart" && `${e.pid}:${e.tid}` === main && String(e.args?.data?.documentLoaderURL ?? "").includes("/articles/"));
  const from = navigation?.ts ?? Math.min(...events.filter((e) => `${e.pid}:${e.tid}` === main && e.ts > 0).map((e) => e.ts));
  const to = from + untilMs * 1000;

  // Self time: each complete event's duration less its children's, on the main thread, within the window.
  const own = events.filter((e) => e.ph === "X" && `${e.pid}:${e.tid}` === main && e.ts >= from && e.ts < to).sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const stack: Array<{ end: number; name: string; self: number }> = [];
  const selfByName = new Map<string, number>();
  const flush = (frame: { name: string; self: number }) => add(selfByName, frame.name, frame.self);
  for (const e of own) {
    while (stack.length && stack.at(-1)!.end <= e.ts) flush(stack.pop()!);
    const dur = Math.min(e.dur ?? 0, to - e.ts);
    if (stack.length) stack.at(-1)!.self -= dur;
    stack.push({ end: e.ts + dur, name: e.name, self: dur });
  }
  stack.forEach(flush);
  const kinds = new Map<string, number>();
  for (const [name, us] of selfByName) add(kinds, kindOf(name), us);

  const { self, inclusive } = await profileOf(events, pid, from, to);
  return { kinds: top(kinds, 10), events: top(selfByName, 12), selfFunctions: top(self, 15), inclusiveFunctions: top(inclusive, 15), windowMs: untilMs };
}

/** Self and inclusive time per function from the V8 sampling profiler's chunks in the trace. */
async function profileOf(events: TraceEvent[], pid: number, from: number, to: number) {
  const nodes = new Map<number, ProfileNode>();
  const samples: Array<{ node: number; ts: number; us: number }> = [];
  const startedAt = new Map<string, number>();
  for (const e of events) if (e.pid === pid && e.name === "Profile") startedAt.set(e.id ?? "", Number((e.args?.data as { startTime?: number })?.startTime ?? e.ts));
  const clock = new Map<string, number>();
  for (const e of events.filter((x) => x.pid === pid && x.name === "ProfileChunk")) {
    const data = e.args?.data as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } | undefined;
    for (const node of data?.cpuProfile?.nodes ?? []) nodes.set(node.id, node);
    let ts = clock.get(e.id ?? "") ?? startedAt.get(e.id ?? "") ?? e.ts;
    const deltas = data?.timeDeltas ?? [];
    (data?.cpuProfile?.samples ?? []).forEach((node, i) => {
      ts += deltas[i] ?? 0;
      samples.push({ node, ts, us: deltas[i + 1] ?? deltas[i] ?? 0 });
    });
    clock.set(e.id ?? "", ts);
  }
  const maps = new Map<string, Promise<SourceLookup | null>>();
  const labels = new Map<number, string>();
  const label = async (node: ProfileNode): Promise<string> => {
    const cached = labels.get(node.id);
    if (cached) return cached;
    // Chromium leaves out the fields that are empty or zero.
    const { functionName = "", url = "", lineNumber = 0, columnNumber = 0 } = node.callFrame;
    // V8's own entries are named in parentheses already: (program), (garbage collector), (idle).
    let text = functionName.startsWith("(") ? functionName : `${functionName || "(anonymous)"} (native)`;
    if (url.includes("/assets/")) {
      if (!maps.has(url)) maps.set(url, SourceLookup.fetch(url));
      text = (await maps.get(url))?.describe(lineNumber, columnNumber) ?? `${url.split("/").pop()}:${lineNumber + 1}:${columnNumber + 1}`;
    } else if (url) text = `${functionName || "(anonymous)"} ${url.split("/").pop()}`;
    labels.set(node.id, text);
    return text;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const s of samples) {
    if (s.ts < from || s.ts >= to) continue;
    const node = nodes.get(s.node);
    if (!node || node.callFrame.functionName === "(idle)") continue;
    add(self, await label(node), s.us);
    const seen = new Set<string>();
    for (let at: ProfileNode | undefined = node; at; at = at.parent === undefined ? undefined : nodes.get(at.parent)) {
      const l = await label(at);
      if (seen.has(l) || l === "(root)" || l === "(program)") continue;
      seen.add(l);
      add(inclusive, l, s.us);
    }
  }
  return { self, inclusive };
}
