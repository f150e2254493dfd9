import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "./relay-frame.ts";

// A fixed process id: any 16 bytes do, and these are easy to spot in a failure.
const sender = new Uint8Array(Buffer.from("marginalia-relay"));

describe("relay frames", () => {
  it("carries a Yjs update byte for byte, with its kind and sender", () => {
    const doc = new Y.Doc();
    doc.getText("notes").insert(0, "zero \u0000 bytes and \u00ff high ones, and an emoji 🙂");
    const update = Y.encodeStateAsUpdate(doc);
    const frame = decodeFrame(encodeFrame(0, sender, update))!;
    expect(frame.kind).toBe(0);
    expect([...frame.sender]).toEqual([...sender]);
    expect(frame.payload).not.toBeInstanceOf(Buffer);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, frame.payload);
    expect(copy.getText("notes").toString()).toBe(doc.getText("notes").toString());
  });

  it("encodes a frame without payload as its 18-byte header", () => {
    const bytes = encodeFrame(2, sender);
    expect(bytes.byteLength).toBe(18);
    expect([bytes[0], bytes[1]]).toEqual([1, 2]);
    expect(decodeFrame(bytes)?.payload.byteLength).toBe(0);
  });

  it("ignores what it cannot read: another version, an unknown kind, a short message", () => {
    const good = encodeFrame(1, sender, new Uint8Array([1, 2, 3]));
    expect(decodeFrame(Uint8Array.from([9, ...good.subarray(1)]))).toBeNull();
    expect(decodeFrame(Uint8Array.from([1, 7, ...good.subarray(2)]))).toBeNull();
    expect(decodeFrame(good.subarray(0, 10))).toBeNull();
  });
});
