import { describe, expect, it } from "vitest";
import { pack, packInTurns, unpack } from "./packed-parts.mjs";

describe("packing parts to send to a thread", () => {
  it("packs a slice per turn what pack packs at once: a large part across turns, many small ones a batch a turn", async () => {
    const parts = [new Uint8Array(5_000_000).fill(7), ...Array.from({ length: 10_000 }, (_, i) => new Uint8Array([i % 256, 1, 2]))];
    let turns = 0;
    const packed = await packInTurns(parts, async () => {
      turns++;
    });
    const whole = pack(parts);
    expect(packed.ends).toEqual(whole.ends);
    expect(Buffer.compare(packed.bytes, whole.bytes)).toBe(0);
    expect(unpack(packed)).toHaveLength(parts.length);
    // 5 MB at 2 MiB a turn, then 10,000 parts at 4,096 a turn.
    expect(turns).toBeGreaterThanOrEqual(4);
  });
});
