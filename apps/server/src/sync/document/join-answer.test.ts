import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { JOIN_ANSWER_KEPT_MS, JoinAnswers } from "./join-answer.ts";

/** A write that finishes when told, and stops when nobody wants it any more, as a sliced encoding does. */
function slowWrite(log: string[]) {
  let finish: () => void = () => {};
  const write = (stillWanted: () => boolean) => {
    log.push("write");
    return new Promise<Uint8Array[]>((resolve) => {
      finish = () => resolve(stillWanted() ? [new Uint8Array([log.length])] : []);
    });
  };
  return { write, finish: () => finish() };
}

describe("a new client's answer, written once per change", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
  afterEach(() => vi.useRealTimers());

  it("answers every client that asks before the next change from one writing, kept for a while", () => {
    const answers = new JoinAnswers();
    let changes = 0;
    let writes = 0;
    const write = () => [new Uint8Array([++writes])];
    const first = answers.answer(() => changes, () => true, write);
    expect(answers.answer(() => changes, () => true, write)).toBe(first);
    expect(writes).toBe(1);
    changes++;
    expect(answers.answer(() => changes, () => true, write)).not.toBe(first);
    expect(writes).toBe(2);
    // Not kept for ever: a document nobody joins holds no second copy of itself.
    vi.advanceTimersByTime(JOIN_ANSWER_KEPT_MS);
    answers.answer(() => changes, () => true, write);
    expect(writes).toBe(3);
  });

  it("shares a writing under way only while the document has not changed since it began", async () => {
    const answers = new JoinAnswers();
    const log: string[] = [];
    const { write, finish } = slowWrite(log);
    let changes = 0;
    const a = answers.answer(() => changes, () => true, write);
    const b = answers.answer(() => changes, () => true, write);
    expect(b).toBe(a);
    changes++; // a change: the next asker could miss it in the writing under way, and gets its own
    const c = answers.answer(() => changes, () => true, write);
    expect(c).not.toBe(a);
    expect(log).toEqual(["write", "write"]);
    finish();
    expect((await c).length).toBe(1);
  });

  it("goes on writing while anyone waits, and starts again for a client who asks after everyone left", async () => {
    const answers = new JoinAnswers();
    const log: string[] = [];
    const first = slowWrite(log);
    let aWants = true;
    const a = answers.answer(() => 0, () => aWants, first.write);
    const b = answers.answer(() => 0, () => true, first.write);
    aWants = false; // the first asker left; the second still waits
    first.finish();
    expect(await b).toHaveLength(1);
    expect(await a).toHaveLength(1);

    const again = new JoinAnswers();
    const second = slowWrite(log);
    let cWants = true;
    const c = again.answer(() => 0, () => cWants, second.write);
    cWants = false;
    second.finish(); // nobody waits: it stops with nothing, and nothing is kept
    expect(await c).toEqual([]);
    const third = slowWrite(log);
    const d = again.answer(() => 0, () => true, third.write);
    third.finish();
    expect(await d).toHaveLength(1);
    expect(log.filter((entry) => entry === "write")).toHaveLength(3);
  });
});
