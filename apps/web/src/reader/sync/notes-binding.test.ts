import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyLocalEdit, diffText, transformPosition } from "./notes-binding.ts";

describe("notes binding", () => {
  it("turns a textarea change into one small edit", () => {
    expect(diffText("the cat sat", "the black cat sat")).toEqual({ index: 4, remove: 0, insert: "black " });
    expect(diffText("the cat sat", "the sat")).toEqual({ index: 4, remove: 4, insert: "" });
    expect(diffText("aaa", "aaaa")).toEqual({ index: 3, remove: 0, insert: "a" });
    expect(diffText("same", "same")).toEqual({ index: 4, remove: 0, insert: "" });
  });

  it("never splits a surrogate pair", () => {
    const edit = diffText("x😀y", "x😃y");
    expect(edit).toEqual({ index: 1, remove: 2, insert: "😃" });
  });

  it("applies local edits to the shared text so that concurrent ones merge", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    applyLocalEdit(a.getText("notes"), "Summary.", "local");
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    applyLocalEdit(a.getText("notes"), "Summary. Alice's point.", "local");
    applyLocalEdit(b.getText("notes"), "Bob's point. Summary.", "local");
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getText("notes").toString()).toBe("Bob's point. Summary. Alice's point.");
    expect(b.getText("notes").toString()).toBe(a.getText("notes").toString());
  });

  it("moves the caret with remote insertions and deletions before it", () => {
    expect(transformPosition(10, [{ retain: 2 }, { insert: "abc" }])).toBe(13);
    expect(transformPosition(10, [{ retain: 12 }, { insert: "abc" }])).toBe(10);
    expect(transformPosition(10, [{ retain: 10 }, { insert: "abc" }])).toBe(10);
    expect(transformPosition(10, [{ retain: 4 }, { delete: 3 }])).toBe(7);
    expect(transformPosition(10, [{ retain: 8 }, { delete: 5 }])).toBe(8);
    expect(transformPosition(10, [{ delete: 2 }, { insert: "xyz" }])).toBe(11);
  });
});
