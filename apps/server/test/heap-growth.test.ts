import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT } from "../src/heap-growth.ts";

const entry = fileURLToPath(new URL("../src/heap-growth.ts", import.meta.url));
/** V8's most generous growth, four times what survived: what the cap is measured against, set the same way. */
const LOOSE_PERCENT = 300;

/**
 * A process shaped like a server with many documents loaded: most of its heap
 * stays alive, and objects live long enough to reach the old generation
 * before they die. Prints the largest heap it saw, in MB.
 */
const workload = (limit: boolean) => `
  ${limit ? `const { limitHeapGrowth } = await import(${JSON.stringify(entry)}); limitHeapGrowth();` : `(await import("node:v8")).setFlagsFromString("--heap-growing-percent=${LOOSE_PERCENT}");`}
  const live = [];
  for (let i = 0; i < 600_000; i++) live.push({ a: "x" + i, b: [i, i + 1], c: { d: i } });
  const recent = new Array(300_000).fill(null);
  let largest = 0;
  for (let r = 0; r < 6_000_000; r++) {
    recent[r % recent.length] = { a: "y" + r, b: [r] };
    if (r % 10_000 === 0) largest = Math.max(largest, process.memoryUsage().heapTotal);
  }
  console.log(Math.round(largest / 2 ** 20), live.length);
`;

const largestHeapMb = (limit: boolean) =>
  Number(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", workload(limit)], { encoding: "utf8" }).split(" ")[0]);

/**
 * The server lets its heap grow at most twice what survived the last full
 * collection, where V8 allows up to four times (heap-growth.ts). V8 reads the
 * flag at each collection, so setting it at run time works; a Node upgrade
 * that stops honouring it fails here.
 */
describe("heap growth", () => {
  it("keeps the heap near what is alive", { timeout: 60_000 }, () => {
    expect(HEAP_GROWING_PERCENT).toBeLessThan(LOOSE_PERCENT);
    const loose = largestHeapMb(false);
    const limited = largestHeapMb(true);
    // About 163 MB against 261 on Node 20: a live set near 120 MB, and its headroom.
    expect(limited).toBeLessThan(loose * 0.8);
  });
});
