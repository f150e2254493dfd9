import { describe, expect, it } from "vitest";
import { IntakeGate, KeptMessages } from "./kept-messages.ts";

function recorder() {
  const calls: string[] = [];
  return { calls, intake: { pause: () => calls.push("pause"), resume: () => calls.push("resume") } };
}

describe("a connection's intake", () => {
  it("pauses once a list is past 256 messages, and resumes once it is back to 64", () => {
    const { calls, intake } = recorder();
    const list = new KeptMessages(4_096, new IntakeGate(intake));
    for (let i = 0; i < 300; i++) expect(list.keep(new Uint8Array(10))).toBe(true);
    expect(calls).toEqual(["pause"]);
    while (list.length > 65) list.next();
    expect(calls).toEqual(["pause"]);
    list.next();
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("pauses past 1 MiB however few the messages, and stays paused while any list of the connection is full", () => {
    const { calls, intake } = recorder();
    const gate = new IntakeGate(intake);
    const [a, b] = [new KeptMessages(4_096, gate), new KeptMessages(4_096, gate)];
    a.keep(new Uint8Array(600_000));
    a.keep(new Uint8Array(600_000));
    b.keep(new Uint8Array(1_100_000));
    expect(calls).toEqual(["pause"]);
    a.takeAll();
    expect(calls).toEqual(["pause"]);
    b.next();
    expect(calls).toEqual(["pause", "resume"]);
  });

  it("still refuses past its bound, for a transport that cannot pause", () => {
    const list = new KeptMessages(4);
    for (let i = 0; i < 4; i++) expect(list.keep(new Uint8Array(1))).toBe(true);
    expect(list.keep(new Uint8Array(1))).toBe(false);
  });

  it("bounds a connection's lists together: a message handed on from one to the next cannot double what it keeps", () => {
    const gate = new IntakeGate(undefined);
    const pastShare = new KeptMessages(4_096, gate);
    const waitingForDocument = new KeptMessages(4_096, gate);
    const frame = () => new Uint8Array(1_000_000);
    for (let i = 0; i < 5; i++) expect(waitingForDocument.keep(frame())).toBe(true);
    for (let i = 0; i < 3; i++) expect(pastShare.keep(frame())).toBe(true);
    expect(pastShare.keep(frame())).toBe(false); // 9 MB across the two: past MAX_KEPT_BYTES
    waitingForDocument.takeAll();
    pastShare.next();
    expect(pastShare.keep(frame())).toBe(true);
  });
});
