import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotation } from "@marginalia/schema";
import { annotationValues, writeAgain } from "./salvage.ts";

describe("work written again after a refusal", () => {
  it("writes a fact-check's sources in the normal form the server takes, as an earlier app kept them otherwise", () => {
    const dropped = new Y.Doc();
    const id = createAnnotation(dropped, {
      kind: "factcheck",
      authorId: "ann",
      body: "Checked.",
      factcheck: { claim: "Trade tripled", verdict: "false", confidence: 0.8, sources: [{ url: "https://fonts.example.org/css?family=Roboto|Lato", title: "A" }] },
    });
    const server = new Y.Doc();
    expect(writeAgain(server, annotationValues(dropped), "salvage")).toBe(1);
    const written = readAnnotation(annotationsOf(server).get(id)!);
    expect(written.factcheck?.sources.map((s) => s.url)).toEqual(["https://fonts.example.org/css?family=Roboto%7CLato"]);
  });
});
