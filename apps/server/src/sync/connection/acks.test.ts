import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import { Acks } from "./acks.ts";

const ackOf = (message: Uint8Array) => {
  const decoder = decoding.createDecoder(message);
  decoding.readVarUint(decoder);
  return decoding.readVarUint(decoder);
};

describe("a socket's acknowledgements", () => {
  it("acknowledges nothing after an update that was not stored, even one stored later in time", async () => {
    const sent: number[] = [];
    const acks = new Acks({ send: (message) => void sent.push(ackOf(message)) }, () => true);
    let refuse!: (err: Error) => void;
    const second = new Promise<void>((_, reject) => (refuse = reject));
    acks.after(acks.next(), Promise.resolve());
    acks.after(acks.next(), second);
    // Stored before the second is known to have failed (a small update applied while a large one took turns).
    acks.after(acks.next(), Promise.resolve());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual([1]);
    refuse(new Error("not stored"));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual([1]);
    acks.after(acks.next(), Promise.resolve());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toEqual([1]);
  });
});
