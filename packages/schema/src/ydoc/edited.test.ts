import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { annotationsOf, createAnnotation, readAnnotation, updateAnnotation } from "./annotations.ts";

const factcheck = { claim: "Trade fell", verdict: "false" as const, confidence: 0.5, sources: [{ url: "https://example.org/a", title: "A" }] };

function comment(kind: "comment" | "factcheck" = "comment") {
  const doc = new Y.Doc();
  const id = createAnnotation(doc, { kind, authorId: crypto.randomUUID(), body: "First words", ...(kind === "factcheck" && { factcheck }) });
  const read = () => readAnnotation(annotationsOf(doc).get(id)!);
  return { doc, id, read };
}

describe("editedAt: an annotation is edited when what its author wrote changes", () => {
  it("is absent from a new annotation's map, and reads as null", () => {
    const { doc, id, read } = comment();
    expect(annotationsOf(doc).get(id)!.has("editedAt")).toBe(false);
    expect(read().editedAt).toBeNull();
  });

  it("stays null through changes to an annotation's state, which stamp updatedAt", () => {
    const { doc, id, read } = comment();
    const created = read().updatedAt;
    updateAnnotation(doc, id, { status: "hidden" });
    updateAnnotation(doc, id, { status: "published", resolved: true, tags: ["energy"], assignees: [crypto.randomUUID()], dueAt: 1 });
    updateAnnotation(doc, id, { color: "#ffcc00", anchor: { state: "fuzzy", score: 0.8 } });
    expect(read().updatedAt).toBeGreaterThanOrEqual(created);
    expect(read().editedAt).toBeNull();
  });

  it("stays null when the body or the fact-check is written again as it was, keys in any order", () => {
    const { doc, id, read } = comment("factcheck");
    updateAnnotation(doc, id, { body: "First words", factcheck: { sources: factcheck.sources, confidence: 0.5, verdict: "false", claim: "Trade fell" } });
    expect(read().editedAt).toBeNull();
  });

  it("is stamped by a new body, and by a new verdict, claim or source", () => {
    const { doc, id, read } = comment("factcheck");
    updateAnnotation(doc, id, { body: "Second thoughts" });
    const first = read().editedAt;
    expect(first).toBe(read().updatedAt);
    expect(first).not.toBeNull();
    for (const change of [{ verdict: "true" as const }, { claim: "Trade rose" }, { sources: [] }]) {
      const again = comment("factcheck");
      updateAnnotation(again.doc, again.id, { factcheck: { ...factcheck, ...change } });
      expect(again.read().editedAt).toBe(again.read().updatedAt);
    }
  });
});
