import { describe, expect, it } from "vitest";
import { CountToZero } from "./count-to-zero.ts";

describe("CountToZero", () => {
  it("lets its waiters go once the last work counted ends, whether it resolved or failed", async () => {
    const count = new CountToZero();
    const order: string[] = [];
    let endFirst!: () => void;
    let failSecond!: (err: Error) => void;
    const first = count.during(() => new Promise<void>((resolve) => (endFirst = resolve)));
    const second = count.during(() => new Promise<void>((_, reject) => (failSecond = reject)));
    expect(count.size).toBe(2);
    const zero = count.zero().then(() => order.push("zero"));
    endFirst();
    await first;
    order.push("first ended");
    await Promise.resolve();
    expect(order).toEqual(["first ended"]);
    failSecond(new Error("refused"));
    await expect(second).rejects.toThrow("refused");
    await zero;
    expect(order).toEqual(["first ended", "zero"]);
    expect(count.size).toBe(0);
  });

  it("answers at once when nothing is counted, and never counts below zero", async () => {
    const count = new CountToZero();
    count.done();
    expect(count.size).toBe(0);
    count.add();
    expect(count.size).toBe(1);
    await expect(Promise.race([count.zero().then(() => "zero"), Promise.resolve("waiting")])).resolves.toBe("waiting");
    count.done();
    await expect(count.zero().then(() => "zero")).resolves.toBe("zero");
  });
});
