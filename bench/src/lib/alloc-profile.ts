// Where a server process allocates, dead objects included: V8's sampling heap profiler through the inspector,
// asked to keep samples of objects that minor and major collections freed (node --heap-prof keeps only the
// live ones, which says what the heap holds, not what keeps the collector busy). Summarize the file with
// `tsx bench/src/alloc-top.ts FILE.heapprofile`.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import path from "node:path";

/** Starts sampling about every `intervalBytes` allocated; the returned function writes the profile into `dir`. */
export async function startAllocationProfile(dir: string, intervalBytes = 16 * 1024): Promise<() => Promise<string>> {
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    session.disconnect();
    const file = path.join(dir, `Alloc.${process.pid}.heapprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return file;
  };
}
