import { describe, expect, it } from "vitest";
import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { resolveSlice } from "./jobs.ts";

describe("a revision's re-anchoring", () => {
  it("places every passage exactly when the revision only changed the text's Unicode form (NFD to NFC)", () => {
    const sentence = (i: number) => `Au café n° ${i}, Zoë a noté que les crêpes coûtaient ${i} € de plus qu'en été.`;
    const before = Array.from({ length: 30 }, (_, i) => sentence(i)).join(" ").normalize("NFD");
    const after = before.normalize("NFC");
    const old = new CodePointIndex(before);
    const quotes = [7, 18, 29].map((i) => `crêpes coûtaient ${i} € de plus qu'en été`.normalize("NFD"));
    const targets = quotes.map((quote) => {
      const start = old.toCodePoint(before.indexOf(quote));
      return buildTarget(old, { start, end: start + Array.from(quote).length }, 1);
    });
    const anchors = resolveSlice({ key: "nfc-only", text: after, oldLength: old.length, targets, before: { revision: 1, text: before } });
    const index = new CodePointIndex(after);
    anchors.forEach((anchor, i) => {
      const nfc = quotes[i]!.normalize("NFC");
      const start = index.toCodePoint(after.indexOf(nfc));
      expect(anchor).toEqual({ state: "anchored", start, end: start + Array.from(nfc).length, score: 1 });
    });
  });
});
