// Where a server process allocates, dead objects included: V8's sampling heap profiler through the inspector,
// asked to keep samples of objects that minor and major collections freed (node --heap-prof keeps only the
// live ones, which says what the heap holds, not what keeps the collector busy). Summarize a file with
// `tsx bench/src/alloc-top.ts FILE.heapprofile`.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";
import type { Window } from "./loop-delay.ts";

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Profiles each load run's measured windows, from the first one's start to the last one's end (the server
 * learns them as it does for its event-loop delay), so that a profile leaves out the server's start, seeding
 * and the sockets' joins. Writes Alloc.<pid>.<run>.heapprofile into `dir` after each run.
 */
export function allocationProfiler(dir: string, intervalBytes = 16 * 1024) {
  let run = 0;
  const profile = async (ms: number, file: string) => {
    const session = new Session();
    session.connect();
    await session.post("HeapProfiler.enable");
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await new Promise((resolve) => setTimeout(resolve, ms));
    const { profile: result } = await session.post("HeapProfiler.stopSampling");
    session.disconnect();
    writeFileSync(file, JSON.stringify(result));
    console.error(`allocation profile: ${file}`);
  };
  return {
    windows(windows: Window[]) {
      if (!windows.length) return;
      const start = Math.min(...windows.map((w) => w.startEpochMs));
      const end = Math.max(...windows.map((w) => w.endEpochMs));
      const file = path.join(dir, `Alloc.${process.pid}.${++run}.heapprofile`);
      setTimeout(() => void profile(end - start, file).catch((err: Error) => console.error(`allocation profile failed: ${err.message}`)), Math.max(0, start - epochNow()));
    },
  };
}
