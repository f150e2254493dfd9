import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, SERVER_ENV, SERVER_NODE_FLAGS } from "../src/heap-growth.ts";

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

/**
 * The young generation's size can only be set when Node starts, so every way
 * of starting the server has to carry the flags itself.
 */
describe("the server's Node flags", () => {
  const root = new URL("../../../", import.meta.url);
  const scripts = JSON.parse(readFileSync(new URL("package.json", root), "utf8")).scripts as Record<string, string>;
  const dockerfile = readFileSync(new URL("Dockerfile", root), "utf8");
  const dockerCmd = dockerfile.match(/^CMD (\[.*\])$/m)?.[1];
  const dockerEnv = [...dockerfile.matchAll(/^ENV (.*)$/gm)].map((m) => m[1]).join(" ");
  // SERVER_ENV as the scripts and the image write it: NAME=value.
  const envPrefix = Object.entries(SERVER_ENV).map(([name, value]) => `${name}=${value}`);

  it("are in every start script that runs the compiled server, and in the image's command, with its environment", () => {
    const starts = Object.values(scripts).filter((script) => script.includes("apps/server/dist/main.js"));
    expect(starts.length).toBeGreaterThanOrEqual(2);
    for (const script of starts) {
      const run = script.slice(script.lastIndexOf("&& ") + 3).split(" ");
      expect(run.slice(0, -1), script).toEqual([...envPrefix, "node", ...SERVER_NODE_FLAGS]);
    }
    expect(JSON.parse(dockerCmd ?? "[]")).toEqual(["node", ...SERVER_NODE_FLAGS, "apps/server/dist/main.js"]);
    for (const setting of envPrefix) expect(dockerEnv.split(" "), setting).toContain(setting);
  });

  it("size the young generation when Node starts with them", () => {
    const newSpaceMb = (flags: readonly string[]) =>
      Number(
        execFileSync(process.execPath, [...flags, "--input-type=module", "-e", YOUNG_GENERATION_PROBE], { encoding: "utf8" }).trim(),
      );
    const semiSpaceMb = Number(SERVER_NODE_FLAGS.find((f) => f.startsWith("--max-semi-space-size="))?.split("=")[1]);
    expect(newSpaceMb(SERVER_NODE_FLAGS)).toBeLessThanOrEqual(2 * semiSpaceMb);
    expect(newSpaceMb([])).toBeGreaterThan(2 * semiSpaceMb);
  });
});

/** Allocates objects that survive a little while, as fan-out's do, and prints the young generation's size in MB. */
const YOUNG_GENERATION_PROBE = `
  const v8 = await import("node:v8");
  const recent = [];
  for (let i = 0; i < 3e6; i++) { const o = { a: i, b: [i] }; if (i % 3 === 0) recent.push(o); if (recent.length > 2e5) recent.splice(0, 1e5); }
  console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 2 ** 20);
`;
