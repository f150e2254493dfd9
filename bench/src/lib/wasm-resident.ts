// How much of PGlite's WebAssembly memory is resident, for the many-rooms breakdown.
// The memory's byteLength counts its last growth step whole, and Postgres had not touched
// most of it: in many rooms 68 MB long, 55–56 MB resident, so a breakdown that subtracted
// the byteLength from RSS gave "the rest" 12 MB too little (bench/results/journal.md).
import { readFile } from "node:fs/promises";

const MAPPING = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(\S*)$/;

/** Resident bytes of the one anonymous mapping exactly `bytes` long in smaps text; null when not exactly one. */
export function residentOfMapping(smaps: string, bytes: number): number | null {
  const found: number[] = [];
  let sized = false;
  for (const line of smaps.split("\n")) {
    const m = MAPPING.exec(line);
    if (m) sized = !m[3] && Number.parseInt(m[2]!, 16) - Number.parseInt(m[1]!, 16) === bytes;
    else if (sized && line.startsWith("Rss:")) found.push(Number.parseInt(line.slice(4), 10) * 1024);
  }
  return found.length === 1 ? found[0]! : null;
}

/** This process's mapping of `bytes` (the WebAssembly memory's byteLength), resident; null off Linux or when ambiguous. */
export async function residentWasm(bytes: number | null): Promise<number | null> {
  if (bytes === null) return null;
  const smaps = await readFile("/proc/self/smaps", "utf8").catch(() => null);
  return smaps === null ? null : residentOfMapping(smaps, bytes);
}
