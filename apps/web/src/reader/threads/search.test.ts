import { newAnnotationValue } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import type { Item } from "../../sync/annotation-store.ts";
import { fold, queryTerms, threadMatches } from "./search.ts";
import type { Thread } from "./threads.ts";

let n = 0;
function item(patch: Partial<Item>): Item {
  n++;
  return { ...newAnnotationValue({ id: `s${n}`, kind: "comment", authorId: "a" }, n), source: "group", ...patch };
}
const thread = (root: Item, replies: Item[] = []): Thread => ({ root, replies, span: null, orphaned: false });
const hit = (t: Thread, query: string) => threadMatches(t, queryTerms(query));

describe("thread search", () => {
  it("ignores case and Latin accents", () => {
    expect(fold("Café ÉLAN")).toBe("cafe elan");
    expect(hit(thread(item({ body: "A naïve Résumé" })), "resume NAIVE")).toBe(true);
  });

  it("finds Persian and Arabic words as written, with or without short vowels, tatweel, ZWNJ, or the other keyboard's yeh and kaf", () => {
    const persian = thread(item({ body: "قیمت نان سنگک می‌گویند" }));
    expect(hit(persian, "سنگک")).toBe(true);
    expect(hit(persian, "قيمت")).toBe(true); // Arabic yeh
    expect(hit(persian, "میگویند")).toBe(true); // without the zero-width non-joiner
    expect(hit(thread(item({ body: "مُحَمَّد" })), "محمد")).toBe(true);
    expect(hit(thread(item({ body: "كتاب" })), "کتاب")).toBe(true);
    expect(hit(thread(item({ body: "ســلام" })), "سلام")).toBe(true);
    expect(hit(thread(item({ body: "أحمد" })), "احمد")).toBe(true);
    expect(hit(thread(item({ body: "سال ۱۴۰۲" })), "1402")).toBe(true);
    expect(hit(persian, "گندم")).toBe(false);
  });

  it("matches body, claim, quote and replies, every word somewhere in the thread", () => {
    const root = item({ body: "Which ties?", factcheck: { claim: "Moscow gains", verdict: "false", sources: [] }, target: { revision: 1, exact: "regime change", prefix: "", suffix: "", start: 0, end: 13 } });
    const t = thread(root, [item({ body: "The drone deals", parentId: root.id })]);
    expect(hit(t, "ties")).toBe(true);
    expect(hit(t, "moscow")).toBe(true);
    expect(hit(t, "regime")).toBe(true);
    expect(hit(t, "drone moscow")).toBe(true);
    expect(hit(t, "drone tanks")).toBe(false);
    expect(hit(t, "   ")).toBe(true);
  });
});
