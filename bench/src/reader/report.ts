// bench/results/reader.md: the figures against the targets, then where the time went.
import { writeFileSync } from "node:fs";
import os from "node:os";
import { type Summary, fmt } from "../lib/stats.ts";
import type { Breakdown } from "./trace.ts";

export type LoadRun = { size: number; paintedMs: number; articleMs: number; syncMs: number };
export type RemoteRun = { size: number; sendToPaint: number; arriveToPaint: number };
export type Traced = { size: number; paintedMs: number; load: Breakdown; remoteMs: number; remote: Breakdown };
type SizeSummary = { size: number; painted: Summary; article: Summary; sync: Summary; sendToPaint: Summary; arriveToPaint: Summary };

// READER_OUT names another file in bench/results (`pnpm bench` writes its run there and folds it into latest.md).
export const RESULTS = new URL(`../../results/${process.env.READER_OUT ?? "reader.md"}`, import.meta.url);

const row = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`;
const table = (head: string[], rows: Array<Array<string | number>>) => [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
const ms = (pairs: Array<[string, number]>) => pairs.map(([name, v]) => [`\`${name.replace(/\|/g, "\\|")}\``, fmt(v)]);

function breakdown(title: string, b: Breakdown): string {
  const busy = b.kinds.reduce((a, [, v]) => a + v, 0);
  return [
    `#### ${title}`,
    "",
    `Renderer main thread, ${fmt(busy)} ms busy${Number.isFinite(b.windowMs) ? ` in the ${fmt(b.windowMs)} ms from navigation to painted` : ""}:`,
    "",
    table(["kind of work", "ms", "share"], b.kinds.map(([k, v]) => [k, fmt(v), `${Math.round((v / busy) * 100)}%`])),
    "",
    "Trace events with the most self time:",
    "",
    table(["event", "ms"], ms(b.events)),
    "",
    "Functions, sampled (self time), named through the bundle's source map:",
    "",
    table(["function (source line)", "ms"], ms(b.selfFunctions)),
    "",
    "Functions, inclusive time:",
    "",
    table(["function (source line)", "ms"], ms(b.inclusiveFunctions)),
  ].join("\n");
}

export function writeReport(r: {
  startedAt: Date;
  loadBefore: string;
  loadAfter: string;
  database: string;
  runs: number;
  remotePerRun: number;
  summaries: SizeSummary[];
  traces: Traced[];
}) {
  const small = r.summaries[0]!;
  const large = r.summaries.at(-1)!;
  const gap = large.painted.p50 - small.painted.p50;
  const worstArrive = Math.max(...r.summaries.map((s) => s.arriveToPaint.p95));
  const text = [
    "# The reader at scale, in Chromium",
    "",
    `Written by \`pnpm bench:reader\` (bench/src/reader.ts) on ${r.startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`,
    "",
    `- Machine: ${os.cpus()[0]?.model ?? "?"}, ${os.cpus().length} cores; Node ${process.version}; Chromium headless (Debian's, --disable-gpu); database: ${r.database}.`,
    `- Load average (1 / 5 / 15 min) at the start: ${r.loadBefore}; at the end: ${r.loadAfter}. The cores are shared with other work: compare figures from one run, not across runs.`,
    `- ${r.runs} loads per size after one discarded warm-up, sizes alternating; each load in a fresh browser profile (no HTTP cache, no IndexedDB copy). ${r.remotePerRun} remote annotations per load.`,
    "- **Painted**: navigation start → the end of the first frame in which `CSS.highlights` holds one range per annotation (checked every frame by a script installed before the app's; the reader paints with the CSS Custom Highlight API, so there are no highlight elements to count).",
    "- **Remote**: a Node Y.Doc client on the same machine writes one comment over its sync socket; *send → paint* runs from just before its transaction to the end of the frame that paints it, *arrive → paint* from the page receiving the websocket message that carries it (both on the machine's clock).",
    "",
    "## Against the targets",
    "",
    table(
      ["target", "measured (median)", "met"],
      [
        [`${large.size} annotations painted ≤ 300 ms after ${small.size}`, `${fmt(gap)} ms later (${fmt(large.painted.p50)} vs ${fmt(small.painted.p50)})`, gap <= 300 ? "yes" : "**no**"],
        ["a remote annotation painted ≤ 100 ms after it arrives (p95, worst size)", `${fmt(worstArrive)} ms`, worstArrive <= 100 ? "yes" : "**no**"],
      ],
    ),
    "",
    "## Opening an article",
    "",
    table(
      ["annotations", "painted p50", "p95", "max", "text in DOM p50", "sync data arrived p50 (ms)"],
      r.summaries.map((s) => [s.size, fmt(s.painted.p50), fmt(s.painted.p95), fmt(s.painted.max), fmt(s.article.p50), fmt(s.sync.p50)]),
    ),
    "",
    "## A remote annotation",
    "",
    table(
      ["annotations already open", "n", "send → paint p50", "p95", "max", "arrive → paint p50", "p95", "max (ms)"],
      r.summaries.map((s) => [s.size, s.sendToPaint.n, fmt(s.sendToPaint.p50), fmt(s.sendToPaint.p95), fmt(s.sendToPaint.max), fmt(s.arriveToPaint.p50), fmt(s.arriveToPaint.p95), fmt(s.arriveToPaint.max)]),
    ),
    "",
    "## Where the time went",
    "",
    "One more load per size under a Chromium trace (`devtools.timeline` and the V8 sampling profiler; tracing slows the page, so these runs are not in the figures above), and one remote annotation after it.",
    "",
    ...r.traces.flatMap((t) => [
      breakdown(`Opening, ${t.size} annotations (painted at ${fmt(t.paintedMs)} ms under tracing)`, t.load),
      "",
      breakdown(`A remote annotation, ${t.size} open (${fmt(t.remoteMs)} ms send → paint under tracing)`, t.remote),
      "",
    ]),
  ].join("\n");
  writeFileSync(RESULTS, `${text}\n`);
  console.log(`wrote ${RESULTS.pathname}`);
}
