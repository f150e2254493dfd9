import { describe, expect, it } from "vitest";
import { mapStrings } from "./map-strings.ts";

describe("mapStrings", () => {
  it("maps every string however deep in arrays and plain objects, keys untouched", () => {
    const value = { a: "x", list: ["y", { deep: ["z"] }], n: 1, flag: true, none: null };
    expect(mapStrings(value, (text) => text.toUpperCase())).toEqual({ a: "X", list: ["Y", { deep: ["Z"] }], n: 1, flag: true, none: null });
  });

  it("keeps a Date as the same object, and leaves the value it was given unchanged", () => {
    const at = new Date(0);
    const value = { at, text: "a" };
    const mapped = mapStrings(value, () => "b");
    expect(mapped.at).toBe(at);
    expect(value.text).toBe("a");
  });

  it("maps a string given alone", () => {
    expect(mapStrings("abc", (text) => text.length.toString())).toBe("3");
  });
});
