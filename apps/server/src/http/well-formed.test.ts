import { describe, expect, it } from "vitest";
import { illFormedText, nestsDeeperThan } from "./well-formed.ts";

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, not brackets in strings or after escapes", () => {
    expect(nestsDeeperThan("[[[]]]", 3)).toBe(false);
    expect(nestsDeeperThan("[[[[]]]]", 3)).toBe(true);
    expect(nestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":[1,{"c":[]}]}}', 4)).toBe(true);
    expect(nestsDeeperThan('["[[[[[[", "{{{{"]', 1)).toBe(false);
    expect(nestsDeeperThan('["\\"[[[[", "\\\\", [[]]]', 2)).toBe(true);
    expect(nestsDeeperThan('["\\"[[[[", "\\\\", []]', 2)).toBe(false);
    // Siblings do not add up: depth goes down as they close.
    expect(nestsDeeperThan(`[${"[],".repeat(1000)}[]]`, 2)).toBe(false);
  });

  it("reads a mebibyte of flat JSON as shallow, and a mebibyte of brackets as too deep", () => {
    // How fast it reads is the bench's to say, not a unit test's: here, only what it answers.
    const flat = `[${'"a\\"b[c]",{"k":[1,2]},'.repeat(48_000)}0]`;
    expect(flat.length).toBeGreaterThan(1024 * 1024);
    expect(nestsDeeperThan(flat, 3)).toBe(false);
    expect(nestsDeeperThan(flat, 2)).toBe(true);
    const bomb = `${"[".repeat(512 * 1024)}${"]".repeat(512 * 1024)}`;
    expect(nestsDeeperThan(bomb, 64)).toBe(true);
  });
});

describe("illFormedText", () => {
  it("finds a NUL or an unpaired surrogate in values and keys, with its path", () => {
    expect(illFormedText({ a: ["fine", { b: "x\u0000" }] })).toEqual({ path: ["a", "1", "b"], message: "contains a NUL character (U+0000)" });
    expect(illFormedText({ a: "x\uD800" })?.message).toBe("contains an unpaired UTF-16 surrogate");
    expect(illFormedText({ a: "x\uDC00y" })?.path).toEqual(["a"]);
    expect(illFormedText({ a: `${"long ".repeat(20)}\uDBFF` })?.path).toEqual(["a"]);
    expect(illFormedText({ "k\u0000": 1 })).toEqual({ path: ["k\u0000"], message: "the field's name contains a NUL character (U+0000)" });
    expect(illFormedText("\u0000")).toEqual({ path: [], message: "contains a NUL character (U+0000)" });
  });

  it("lets well-formed text through, pairs of surrogates included, and skips what is not plain data", () => {
    expect(illFormedText({ a: "emoji 🙂 and \uFFFD", b: [1, null, true, "x"], c: new Date(0) })).toBeNull();
    expect(illFormedText({ a: `${"long ".repeat(20)}🙂` })).toBeNull();
  });
});
