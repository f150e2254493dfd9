// The expensive end of re-anchoring: inputs crafted to be slow, and a 1 MB
// article with 10,000 annotations resolved by the server's worker while the
// event loop keeps answering /healthz (see docs/architecture.md, "Anchoring").
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { CodePointIndex, type TextTarget, buildTarget, resolveTarget } from "@marginalia/schema";
import { anchorWorker } from "@marginalia/server/anchoring/pool.ts";
import { REVISIONS, judge, longArticle, newPlaces, random, randomQuotes, truthFor } from "./anchoring-corpus.ts";
import { SEED } from "./harness.ts";

const LOAD_SEED = 20261202;
export type CraftedCase = { name: string; count: number; placed: number; orphaned: number; ms: number };

function timed(name: string, text: string, targets: TextTarget[], oldLength: number): CraftedCase {
  const index = new CodePointIndex(text);
  // The revision's index is built once for all its annotations (resolve.ts): built here before the clock starts.
  resolveTarget(index, { revision: 1, exact: "", prefix: "", suffix: "", start: 0, end: 0 });
  const started = performance.now();
  const anchors = targets.map((t) => resolveTarget(index, t, { oldLength }));
  const ms = performance.now() - started;
  const orphaned = anchors.filter((a) => a.state === "orphaned").length;
  return { name, count: targets.length, placed: targets.length - orphaned, orphaned, ms };
}

/** The inputs an attacker would plant, and honest ones of the same sizes beside them. */
export async function craftedCases(): Promise<CraftedCase[]> {
  const rand = random(LOAD_SEED);
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0x61 + Math.floor(rand() * 26))).join("");
  const seed = SEED.replace(/\r\n/g, "\n");
  const revised = `A note was added at the top.\n\n${seed}`;
  const seedLength = Array.from(seed).length;
  const the = seed.indexOf(" the ");
  const thes = Array.from({ length: 10 }, () => ({ revision: 1, exact: " the ", prefix: junk(200), suffix: junk(200), start: the, end: the + 5 }));
  const long = Array.from(longArticle(seed, 1_100_000, LOAD_SEED)).join("");
  const longRevised = `${long.slice(0, 60_000)} and more ${long.slice(60_000)}`;
  const letters = "a".repeat(1_000_000);
  const lettersRevised = `b${letters}`;
  const lettersIndex = new CodePointIndex(letters);
  const quotes = randomQuotes(`${"word ".repeat(200_000)}`, 500, LOAD_SEED).map((q) => buildTarget(lettersIndex, q, 1));
  return [
    timed('ten " the " quotes, 200 characters of junk context', revised, thes, seedLength),
    timed("a 20,000-character junk quote", longRevised, [{ revision: 1, exact: junk(20_000), prefix: "", suffix: "", start: 50_000, end: 70_000 }], long.length),
    timed("an honest 20,000-character quote, edited inside", longRevised, [buildTarget(long, { start: 50_000, end: 70_000 }, 1)], long.length),
    timed("500 quotes on a 1 MB paragraph of one repeated letter", lettersRevised, quotes, letters.length),
  ];
}

export type LoadResult = { chars: number; count: number; ms: number; correct: number; orphaned: number; wrong: number; worstDelayMs: number; worstHealthMs: number };

/** 10,000 annotations on a 1 MB article, resolved through the worker pool while /healthz is polled. */
export async function longArticleLoad(): Promise<LoadResult> {
  const original = longArticle(SEED.replace(/\r\n/g, "\n"), 1_000_000, LOAD_SEED);
  const originalText = original.join("");
  const index = new CodePointIndex(originalText);
  const quotes = randomQuotes(originalText, 10_000, LOAD_SEED);
  const targets = quotes.map((q) => buildTarget(index, q, 1));
  const inserted = REVISIONS[1]!.apply(original, LOAD_SEED);
  const { text, origins } = REVISIONS[0]!.apply(Array.from(inserted.text), LOAD_SEED);
  const places = newPlaces(
    origins.map((o) => (o < 0 ? -1 : inserted.origins[o]!)),
    original.length,
  );
  // Known before the clock starts, so that nothing but re-anchoring runs meanwhile.
  const truths = quotes.map((q) => truthFor(q, places));

  // What this study built (a million one-character strings) is collected now, not during the run.
  (globalThis as { gc?: () => void }).gc?.();
  const server = createServer((_, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  let worstHealthMs = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const sent = performance.now();
      await (await fetch(url)).text();
      worstHealthMs = Math.max(worstHealthMs, performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const started = performance.now();
  // With the replaced text, as the server passes it for a correction: the worker diffs the two first (edit-map.ts).
  const anchors = await anchorWorker.resolve("bench-long", text, original.length, targets, { revision: 1, text: originalText });
  anchorWorker.done("bench-long");
  const ms = performance.now() - started;
  delay.disable();
  polling = false;
  await poll;
  server.close();

  const counts = { correct: 0, orphaned: 0, wrong: 0 };
  anchors.forEach((a, i) => {
    const outcome = judge(a, truths[i]!);
    counts[outcome]++;
    if (outcome === "wrong" && process.env.ANCHOR_DEBUG) {
      const truth = truths[i];
      const show = (s: { start: number; end: number }) => Array.from(text).slice(s.start, s.end).join("");
      console.error({ exact: targets[i]!.exact, prefix: targets[i]!.prefix, suffix: targets[i]!.suffix, truth: truth && show(truth), placed: a.state === "orphaned" ? null : show(a), around: truth && show({ start: truth.start - 60, end: truth.end + 40 }) });
    }
  });
  return { chars: text.length, count: targets.length, ms, ...counts, worstDelayMs: delay.max / 1e6, worstHealthMs };
}
