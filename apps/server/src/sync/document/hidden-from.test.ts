import * as Y from "yjs";
import { annotationsOf, createAnnotation, updateAnnotation } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { rememberHiddenFrom } from "./hidden-from.ts";

function watched() {
  const doc = new Y.Doc();
  doc.on("afterTransaction", (tr: Y.Transaction) => rememberHiddenFrom(tr));
  return doc;
}
const author = "00000000-0000-4000-8000-000000000001";

describe("rememberHiddenFrom", () => {
  it("records the status a hide replaced, and forgets it on the unhide", () => {
    const doc = watched();
    const id = createAnnotation(doc, { kind: "factcheck", authorId: author, status: "pending" });
    updateAnnotation(doc, id, { status: "hidden" });
    expect(annotationsOf(doc).get(id)?.get("hiddenFrom")).toBe("pending");
    updateAnnotation(doc, id, { status: "pending" });
    expect(annotationsOf(doc).get(id)?.has("hiddenFrom")).toBe(false);
  });

  it("records nothing for what is made hidden, or for another field's change", () => {
    const doc = watched();
    const id = createAnnotation(doc, { kind: "comment", authorId: author, status: "hidden" });
    updateAnnotation(doc, id, { resolved: true });
    expect(annotationsOf(doc).get(id)?.has("hiddenFrom")).toBe(false);
  });
});
