import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { annotationsOf, createAnnotation, readAnnotation, sameFactcheck, updateAnnotation } from "./annotations.ts";

const factcheck = { claim: "Trade fell", verdict: "false" as const, confidence: 0.5, sources: [{ url: "https://example.org/a", title: "A" }] };

/**
 * The server marks an annotation edited (apps/server/src/sync/document/edited.ts); what clients write with
 * updateAnnotation is what it reads that from, so a re-save must change nothing it could take for an edit.
 */
describe("updateAnnotation and the edited mark", () => {
  it("never writes editedAt, which only the server stamps", () => {
    const doc = new Y.Doc();
    const id = createAnnotation(doc, { kind: "factcheck", authorId: crypto.randomUUID(), body: "First words", factcheck });
    updateAnnotation(doc, id, { body: "Second thoughts", factcheck: { ...factcheck, verdict: "true" } });
    expect(annotationsOf(doc).get(id)!.has("editedAt")).toBe(false);
    expect(readAnnotation(annotationsOf(doc).get(id)!).editedAt).toBeNull();
  });

  it("leaves a body or fact-check written again as it reads untouched, keys in any order", () => {
    const doc = new Y.Doc();
    const id = createAnnotation(doc, { kind: "factcheck", authorId: crypto.randomUUID(), body: "First words", factcheck });
    const changed: string[] = [];
    doc.on("afterTransaction", (tr: Y.Transaction) => {
      for (const [type, keys] of tr.changed) changed.push(...(type instanceof Y.Text ? ["body text"] : [...keys].map(String)));
    });
    updateAnnotation(doc, id, { body: "First words", factcheck: { sources: factcheck.sources, confidence: 0.5, verdict: "false", claim: "Trade fell" } });
    expect(changed).toEqual(["updatedAt"]);
    expect(sameFactcheck(factcheck, { ...factcheck, claim: "Trade rose" })).toBe(false);
    expect(sameFactcheck(null, undefined)).toBe(true);
  });
});
