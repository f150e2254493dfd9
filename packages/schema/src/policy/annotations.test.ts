import { describe, expect, it } from "vitest";
import { LOCKED_FACTCHECK, type Subject, mayReviseVerdict, promptsStaleness, refuseDelete, refuseFieldEdit, statusAfterEdit } from "./annotations.ts";

const rejected: Subject = { authorId: "ben", kind: "factcheck", status: "rejected", factcheck: { verdict: "false" } };

describe("statusAfterEdit", () => {
  it("submits a rejected submission again when its author rewrites it in their private document", () => {
    expect(statusAfterEdit("private", rejected, "ben")).toBe("pending");
    expect(statusAfterEdit("private", { ...rejected, kind: "comment", factcheck: null }, "ben")).toBe("pending");
  });

  it("leaves every other status, document and writer as it is", () => {
    for (const status of ["draft", "pending", "published", "hidden"] as const) expect(statusAfterEdit("private", { ...rejected, status }, "ben")).toBeNull();
    expect(statusAfterEdit("group", rejected, "ben")).toBeNull();
    expect(statusAfterEdit("hidden", rejected, "ben")).toBeNull();
    expect(statusAfterEdit("private", rejected, "a-moderator")).toBeNull();
  });
});

describe("a published fact-check's author", () => {
  const published: Subject = { authorId: "ana", kind: "factcheck", status: "published", factcheck: { verdict: "false" } };
  const ana = { userId: "ana", role: "annotator" as const, moderation: "pre" as const, room: { kind: "group" as const } };

  it("is refused an edit and a deletion with words that say what she can do instead", () => {
    for (const refusal of [refuseFieldEdit(ana, published, "body", "x"), refuseDelete(ana, published)]) {
      expect(refusal).toBe(LOCKED_FACTCHECK);
      expect(refusal).not.toMatch(/withdraw/);
      expect(refusal).toMatch(/Flag it/);
    }
  });

  it("is asked to confirm or revise a stale verdict only where she may, and a moderator always", () => {
    expect(mayReviseVerdict(published, "ana", "annotator")).toBe(false);
    expect(mayReviseVerdict({ ...published, status: "pending" }, "ana", "annotator")).toBe(true);
    expect(mayReviseVerdict(published, "mod", "moderator")).toBe(true);
    expect(mayReviseVerdict(published, "ana", "moderator")).toBe(true);
  });
});

describe("staleness prompts", () => {
  it("ask about a verdict that is published or on its way, never one rejected or hidden", () => {
    for (const status of ["draft", "pending", "published"] as const) expect(promptsStaleness({ status })).toBe(true);
    for (const status of ["rejected", "hidden"] as const) expect(promptsStaleness({ status })).toBe(false);
  });
});
