import { describe, expect, it } from "vitest";
import { type Subject, statusAfterEdit } from "./annotations.ts";

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
