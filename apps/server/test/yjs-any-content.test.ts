// Our patch to Yjs (patches/yjs@13.6.33.patch): a decoded map value's array is sized to its
// length instead of grown by push, which left room for 16 values behind each one-value entry
// (docs/architecture.md, "Starting and serving"). These tests hold its three promises: less memory, the same
// values, and no allocation a forged length can ask for.
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";

function collect() {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** A document of `n` maps with 12 one-value fields each, the shape of an annotation. */
function annotations(n: number): Uint8Array {
  const doc = new Y.Doc();
  const root = doc.getMap("annotations");
  doc.transact(() => {
    for (let i = 0; i < n; i++) {
      const m = new Y.Map<unknown>();
      root.set(`a${i}`, m);
      for (let f = 0; f < 12; f++) m.set(`f${f}`, f % 3 === 0 ? i : `value ${f} of ${i}`);
    }
  });
  return Y.encodeStateAsUpdate(doc);
}

describe("Yjs's decoded map values", () => {
  it("cost under 450 bytes a field once loaded (380–400 here; 510–525 with arrays grown by push)", () => {
    const update = annotations(5_000);
    collect();
    const before = process.memoryUsage().heapUsed;
    const docs = [0, 1].map(() => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, update);
      return doc;
    });
    collect();
    const perField = (process.memoryUsage().heapUsed - before) / docs.length / (5_000 * 12);
    expect(perField).toBeLessThan(450);
    expect(docs[1]!.getMap("annotations").size).toBe(5_000);
  });

  it("keep every value, whatever the array's length", () => {
    const doc = new Y.Doc();
    const array = doc.getArray<unknown>("a");
    const lengths = [1, 2, 64, 65, 1_000];
    for (const n of lengths) array.push(Array.from({ length: n }, (_, i) => ({ n, i })));
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    expect(copy.getArray("a").toJSON()).toEqual(array.toJSON());
    expect(copy.getArray("a").length).toBe(lengths.reduce((a, b) => a + b));
  });

  it("refuse a forged length without allocating for it", () => {
    const doc = new Y.Doc();
    doc.getMap("m").set("k", "v");
    const update = Y.encodeStateAsUpdate(doc);
    // The map entry ends: one value (1), a string (119), of length 1, "v"; then an empty delete set.
    const tail = Buffer.from([1, 119, 1, 118, 0]);
    const at = Buffer.from(update).lastIndexOf(tail);
    expect(at).toBe(update.length - tail.length);
    // 30 million values claimed, as a varuint, and nothing after it.
    const forged = Buffer.concat([Buffer.from(update.subarray(0, at)), Buffer.from([0x80, 0x87, 0xa7, 0x0e])]);
    collect();
    const before = process.memoryUsage().heapUsed;
    expect(() => Y.applyUpdate(new Y.Doc(), forged)).toThrow();
    // An array sized to the claim would be 240 MB.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 2 ** 20);
  });
});
