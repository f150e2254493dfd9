import { describe, expect, it } from "vitest";
import { CodePointIndex } from "@marginalia/schema";
import { ApiError } from "../errors.ts";
import { view as exportView } from "../export/testing.ts";
import type { AnnotationView } from "../services/annotation-view.ts";
import { annotationProblems, collectionProblems } from "./conformance.ts";
import { fromW3C, toW3C, toW3CCollection } from "./mapping.ts";
import { codePointLength } from "../import/builder.ts";
import { targetFromSelectors } from "./target.ts";

const BASE = "https://marginalia.example";
const ARTICLE = "0b9a4c1e-5f4e-4a8e-9d7e-3c2b1a0f9e8d";
const ctx = { baseUrl: BASE, articleId: ARTICLE };

/** The export tests' annotation, placed in this file's article with the values its assertions use. */
const view = (over: Partial<AnnotationView> = {}): AnnotationView =>
  exportView({
    articleId: ARTICLE,
    groupId: "g",
    author: { id: "6f1d7c52-8a4b-4e3a-9c1b-2d3e4f5a6b7c", name: "Ada" },
    target: { revision: 1, exact: "word", prefix: "a ", suffix: " b", start: 2, end: 6 },
    body: "A note",
    votes: { agree: 1, disagree: 0 },
    createdAt: new Date("2024-05-01T10:00:00Z"),
    updatedAt: new Date("2024-05-02T10:00:00Z"),
    ...over,
  });

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, field: err.field, message: err.message };
    throw err;
  }
  throw new Error("expected an ApiError");
};

describe("toW3C", () => {
  it("gives each kind its oa motivation, and stays within the Data Model", () => {
    const cases = [
      [view(), "commenting"],
      [view({ parentId: "p1" }), "replying"],
      [view({ kind: "highlight", body: "" }), "highlighting"],
      [view({ kind: "factcheck", factcheck: { claim: "c", verdict: "false", confidence: null, sources: [] } }), "assessing"],
    ] as const;
    for (const [v, motivation] of cases) {
      const doc = toW3C(v, ctx);
      expect(annotationProblems(doc)).toEqual([]);
      expect(doc.motivation).toBe(motivation);
    }
  });

  it("writes the verdict as a classifying body, tags as tagging bodies, and our fields under mg:", () => {
    const doc = toW3C(
      view({
        kind: "factcheck",
        body: "Not what the record shows.",
        tags: ["economy"],
        color: "#ff0000",
        factcheck: { claim: "GDP doubled", verdict: "misleading", confidence: 0.7, sources: [{ url: "https://stats.example/gdp", title: "" }] },
      }),
      ctx,
    );
    expect(doc.body).toEqual([
      { type: "TextualBody", value: "Not what the record shows.", format: "text/plain", purpose: "assessing" },
      { type: "TextualBody", value: "misleading", format: "text/plain", purpose: "classifying" },
      { type: "TextualBody", value: "economy", purpose: "tagging" },
    ]);
    expect(doc).toMatchObject({
      "@context": ["http://www.w3.org/ns/anno.jsonld", { mg: "https://marginalia.dev/ns/annotation#" }],
      "mg:verdict": "misleading",
      "mg:claim": "GDP doubled",
      "mg:confidence": 0.7,
      "mg:sources": [{ id: "https://stats.example/gdp" }],
      "mg:color": "#ff0000",
      "mg:votes": { "mg:agree": 1, "mg:disagree": 0 },
      created: "2024-05-01T10:00:00.000Z",
    });
  });

  it("dates modified by the last edit of the text, not by updatedAt, and leaves it out before any edit", () => {
    // updatedAt (2 May) moved on a resolve or a tag, which is no edit: the annotation reads as first written.
    const unedited = toW3C(view(), ctx);
    expect(unedited.created).toBe("2024-05-01T10:00:00.000Z");
    expect(unedited).not.toHaveProperty("modified");
    const edited = toW3C(view({ editedAt: new Date("2024-05-01T12:00:00Z") }), ctx);
    expect(edited.modified).toBe("2024-05-01T12:00:00.000Z");
    expect(annotationProblems(edited)).toEqual([]);
  });

  it("targets the article's text, the parent of a reply, or the whole article", () => {
    expect(toW3C(view(), ctx).target).toEqual({
      type: "SpecificResource",
      source: `${BASE}/articles/${ARTICLE}`,
      selector: [
        { type: "TextQuoteSelector", exact: "word", prefix: "a ", suffix: " b" },
        { type: "TextPositionSelector", start: 2, end: 6 },
      ],
    });
    // An orphan's positions belong to the revision it was lost on, not to the article as it now reads.
    expect(toW3C(view({ anchor: { state: "orphaned", score: null } }), ctx).target).toMatchObject({
      selector: [{ type: "TextQuoteSelector", exact: "word", prefix: "a ", suffix: " b" }],
    });
    expect(toW3C(view({ parentId: "p1", target: null }), ctx).target).toBe(`${BASE}/w3c/articles/${ARTICLE}/p1`);
    expect(toW3C(view({ target: null }), ctx).target).toBe(`${BASE}/articles/${ARTICLE}`);
    expect(toW3C(view({ kind: "highlight", body: "" }), ctx).body).toBeUndefined();
  });
});

describe("toW3CCollection", () => {
  it("embeds every item in one page, and has no pages when empty", () => {
    const full = toW3CCollection([view(), view({ id: "a2" })], { ...ctx, label: "All" });
    expect(collectionProblems(full)).toEqual([]);
    expect(full).toMatchObject({ type: "AnnotationCollection", total: 2, label: "All", first: { type: "AnnotationPage", startIndex: 0 } });
    expect((full.first as { items: unknown[] }).items).toHaveLength(2);
    const empty = toW3CCollection([], { baseUrl: BASE, groupId: "g1", label: "None" });
    expect(collectionProblems(empty)).toEqual([]);
    expect(empty.first).toBeUndefined();
    expect(empty.total).toBe(0);
  });

  it("is modified when its latest annotation was added or edited, whatever updatedAt says", () => {
    const views = [
      view({ id: "a1", createdAt: new Date("2024-05-01T10:00:00Z"), editedAt: new Date("2024-05-03T10:00:00Z"), updatedAt: new Date("2024-05-03T10:00:00Z") }),
      view({ id: "a2", createdAt: new Date("2024-05-04T10:00:00Z"), updatedAt: new Date("2024-05-09T10:00:00Z") }),
    ];
    expect(toW3CCollection(views, { ...ctx, label: "All" }).modified).toBe("2024-05-04T10:00:00.000Z");
    expect(toW3CCollection(views.slice(0, 1), { ...ctx, label: "All" }).modified).toBe("2024-05-03T10:00:00.000Z");
  });
});

describe("fromW3C", () => {
  const base = { "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", target: { source: "urn:x", selector: { type: "TextQuoteSelector", exact: "word" } } };

  it("reads what our own representation says back", () => {
    const v = view({ tags: ["x", "y"], color: "#00ff00" });
    expect(fromW3C(toW3C(v, ctx))).toMatchObject({
      kind: "comment",
      body: "A note",
      tags: ["x", "y"],
      color: "#00ff00",
      status: "published",
      visibility: "group",
      selector: { exact: "word", prefix: "a ", suffix: " b", start: 2, end: 6 },
      parent: null,
    });
    const check = view({ kind: "factcheck", factcheck: { claim: "c", verdict: "false", confidence: 0.5, sources: [{ url: "https://a.example/", title: "A" }] } });
    expect(fromW3C(toW3C(check, ctx)).factcheck).toEqual({ verdict: "false", claim: "c", confidence: 0.5, sources: [{ url: "https://a.example/", title: "A" }] });
    expect(fromW3C(toW3C(view({ parentId: "p1" }), ctx)).parent).toEqual({ articleId: ARTICLE, annotationId: "p1" });
  });

  it("accepts the body as a TextualBody, bodyValue or an array, and motivations as oa terms", () => {
    expect(fromW3C({ ...base, motivation: "oa:commenting", body: { type: "TextualBody", value: "plain" } }).body).toBe("plain");
    expect(fromW3C({ ...base, bodyValue: "value" })).toMatchObject({ kind: "comment", body: "value" });
    expect(fromW3C({ ...base, motivation: "http://www.w3.org/ns/oa#highlighting" })).toMatchObject({ kind: "highlight", body: "" });
    expect(fromW3C({ ...base, body: [{ value: "one" }, { type: "TextualBody", value: "t", purpose: "tagging" }] })).toMatchObject({ body: "one", tags: ["t"] });
    expect(fromW3C(base).kind).toBe("highlight");
    // Without a motivation, a PUT keeps the annotation's kind.
    expect(fromW3C(base, { kind: "comment" }).kind).toBe("comment");
  });

  it("reads the text bodies' language, canonical; undefined without a text body, so that a PUT keeps it", () => {
    const fa = { type: "TextualBody", value: "سلام", language: "fa" };
    expect(fromW3C({ ...base, body: { ...fa, language: "FA-ir" } }).language).toBe("fa-IR");
    expect(fromW3C({ ...base, body: [fa, { value: "more" }, { ...fa, value: "again" }] })).toMatchObject({ body: "سلام\n\nmore\n\nagain", language: "fa" });
    expect(fromW3C({ ...base, body: { ...fa, language: [] } }).language).toBeNull();
    expect(fromW3C({ ...base, body: { ...fa, language: null } }).language).toBeNull();
    expect(fromW3C({ ...base, bodyValue: "plain" }).language).toBeNull();
    expect(fromW3C({ ...base, body: { value: "t", purpose: "tagging", language: "en" } }).language).toBeUndefined();
    const verdictOnly = fromW3C({ ...base, motivation: "assessing", body: { value: "false", purpose: "classifying", language: "en" } });
    expect(verdictOnly.language).toBeUndefined();
    expect(errorOf(() => fromW3C({ ...base, body: [fa, { value: "x", language: "a".repeat(36) }] })).field).toBe("body.1.language");
    expect(toW3C(view({ language: "fa-IR" }), ctx).body).toMatchObject({ value: "A note", language: "fa-IR" });
    expect(toW3C(view(), ctx).body).not.toHaveProperty("language");
    expect(annotationProblems(toW3C(view({ language: "fa-IR" }), ctx))).toEqual([]);
  });

  it("refuses what it cannot store, naming the field", () => {
    expect(errorOf(() => fromW3C({ ...base, motivation: "linking" }))).toMatchObject({ code: "validation_failed", field: "motivation" });
    expect(errorOf(() => fromW3C({ ...base, motivation: ["commenting", "highlighting"] })).field).toBe("motivation");
    expect(errorOf(() => fromW3C({ ...base, motivation: "replying" })).field).toBe("target");
    expect(errorOf(() => fromW3C({ ...base, body: { type: "Image", id: "https://x.example/a.png" } })).field).toBe("body");
    expect(errorOf(() => fromW3C({ ...base, target: { source: "urn:x", selector: { type: "CssSelector", value: "p" } } })).field).toBe("target.selector");
    expect(errorOf(() => fromW3C({ ...base, target: { source: "urn:x", selector: { type: "TextPositionSelector", start: 4, end: 2 } } })).field).toBe("target.selector.end");
    expect(errorOf(() => fromW3C({ ...base, "@context": "https://www.w3.org/ns/activitystreams" })).field).toBe("@context");
    // A context of custom terms alone is told what it lacks, not that its shape is wrong.
    expect(errorOf(() => fromW3C({ ...base, "@context": { mg: "https://marginalia.dev/ns/annotation#" } }))).toMatchObject({
      field: "@context",
      message: expect.stringContaining("anno.jsonld"),
    });
    // The model's context served over https names the same document.
    expect(fromW3C({ ...base, "@context": "https://www.w3.org/ns/anno.jsonld" }).kind).toBe(fromW3C(base).kind);
    expect(errorOf(() => fromW3C({ ...base, body: { type: "TextualBody", value: "<p>Hi</p>", format: "text/html" } })).field).toBe("body.format");
    const refined = { type: "TextPositionSelector", start: 100, end: 130, refinedBy: { type: "TextPositionSelector", start: 2, end: 5 } };
    expect(errorOf(() => fromW3C({ ...base, target: { source: "urn:x", selector: refined } })).field).toBe("target.selector.refinedBy");
    expect(errorOf(() => fromW3C({ ...base, target: { source: "urn:x", selector: [{ type: "CssSelector", value: "p" }, refined] } })).field).toBe("target.selector.1.refinedBy");
    expect(errorOf(() => fromW3C({ ...base, motivation: "assessing", bodyValue: "no verdict" })).field).toBe("body");
    const contradicting = { ...base, motivation: "assessing", body: [{ value: "true", purpose: "classifying" }], "mg:verdict": "false" };
    expect(errorOf(() => fromW3C(contradicting)).field).toBe("mg:verdict");
  });
});

describe("fromW3C, on the shapes the Data Model allows", () => {
  const on = (target: unknown, more: Record<string, unknown> = {}) => fromW3C({ "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", target, ...more });
  const quote = { type: "TextQuoteSelector", exact: "word" };

  it("reads a source given as a node with an id (and a type) as the same resource as its IRI", () => {
    for (const source of ["urn:x", { id: "urn:x" }, { id: "urn:x", type: "Text" }]) {
      expect(on({ source, selector: quote })).toMatchObject({ sources: [{ iri: "urn:x" }], selector: { exact: "word" } });
    }
    // A refusal of the resource names where its IRI was.
    expect(on({ source: { id: "urn:x" }, selector: quote }).sources).toEqual([{ iri: "urn:x", field: "target.source.id" }]);
    expect(on([{ source: "urn:x", selector: quote }]).sources).toEqual([{ iri: "urn:x", field: "target.0.source" }]);
    expect(errorOf(() => on({ source: { type: "Text" }, selector: quote })).field).toBe("target");
  });

  it("refuses an external body (a string, or an id without a value) rather than storing its IRI as text, and keeps bodyValue as text", () => {
    for (const body of ["http://example.org/comment1", { id: "http://example.org/comment1" }, { type: "Image", id: "https://x.example/a.png" }]) {
      const error = errorOf(() => on("urn:x", { body }));
      expect(error).toMatchObject({ code: "validation_failed", field: "body" });
      expect(error.message).toMatch(/external body .* not supported.*TextualBody/);
    }
    expect(errorOf(() => on("urn:x", { body: [{ value: "text" }, "http://example.org/comment1"] })).field).toBe("body.1");
    expect(on("urn:x", { bodyValue: "http://example.org/comment1" }).body).toBe("http://example.org/comment1");
    expect(on("urn:x", { body: { id: "urn:uuid:1", type: "TextualBody", value: "with an id" } }).body).toBe("with an id");
  });

  it("takes a type given as an array of one, on selectors and bodies", () => {
    const draft = on(
      { source: "urn:x", selector: [{ ...quote, type: ["TextQuoteSelector"] }, { type: ["TextPositionSelector"], start: 2, end: 6 }] },
      { body: { type: ["TextualBody"], value: "note" } },
    );
    expect(draft).toMatchObject({ body: "note", selector: { exact: "word", start: 2, end: 6 } });
    expect(errorOf(() => on({ source: "urn:x", selector: { ...quote, type: ["TextQuoteSelector", "Other"] } })).field).toBe("target.selector.type");
    expect(errorOf(() => on("urn:x", { body: { type: ["TextualBody", "Other"], value: "x" } })).field).toBe("body.type");
  });

  it("reads a RangeSelector of text selectors, and refuses one it could not place", () => {
    const range = (startSelector: unknown, endSelector: unknown, more = {}) => ({ type: "RangeSelector", startSelector, endSelector, ...more });
    const start = { type: "TextPositionSelector", start: 0, end: 3 };
    expect(on({ source: "urn:x", selector: range(start, quote) }).selector).toEqual({
      range: { from: { start: 0, end: 3 }, to: { exact: "word" }, field: "target.selector" },
    });
    expect(on({ source: "urn:x", selector: [quote, { ...range(start, quote), type: ["RangeSelector"] }] }).selector).toMatchObject({ exact: "word", range: { field: "target.selector.1" } });
    expect(errorOf(() => on({ source: "urn:x", selector: range(start, { type: "CssSelector", value: "p" }) })).field).toBe("target.selector.endSelector");
    expect(errorOf(() => on({ source: "urn:x", selector: range(range(start, quote), quote) })).field).toBe("target.selector.startSelector");
    expect(errorOf(() => on({ source: "urn:x", selector: range(start, undefined) })).field).toBe("target.selector.endSelector");
    expect(errorOf(() => on({ source: "urn:x", selector: range(start, { ...quote, exact: "" }) })).field).toBe("target.selector.endSelector.exact");
    expect(errorOf(() => on({ source: "urn:x", selector: range(start, quote, { refinedBy: quote }) })).field).toBe("target.selector.refinedBy");
  });

  it("takes a document without @context, not one without type, and keeps none of the keys it does not store", () => {
    expect(fromW3C({ type: "Annotation", target: "urn:x", bodyValue: "x" }).body).toBe("x");
    expect(errorOf(() => fromW3C({ "@context": "http://www.w3.org/ns/anno.jsonld", target: "urn:x" })).field).toBe("type");
    const extra = { creator: "urn:someone-else", generator: { id: "urn:g" }, rights: "https://creativecommons.org/licenses/by/4.0/", audience: { type: "schema:Audience" }, stylesheet: { type: "CssStylesheet", value: ".red {}" } };
    const plain = fromW3C({ type: "Annotation", target: "urn:x", bodyValue: "x" });
    expect(fromW3C({ "@context": ["http://www.w3.org/ns/anno.jsonld", { schema: "http://schema.org/" }], type: "Annotation", target: "urn:x", bodyValue: "x", ...extra })).toEqual(plain);
  });

  it("says a FragmentSelector is not supported, nor the selector refining it, naming the selector", () => {
    const fragment = { type: "FragmentSelector", value: "para5", refinedBy: quote };
    const error = errorOf(() => on({ source: "urn:x", selector: fragment }));
    expect(error.field).toBe("target.selector");
    expect(error.message).toMatch(/FragmentSelector is not supported; nor is a selector that refines one/);
    // Beside a text selector it is an alternative, and left out.
    expect(on({ source: "urn:x", selector: [fragment, quote] }).selector).toEqual({ exact: "word" });
  });
});

describe("targetFromSelectors", () => {
  const text = "Hi 👋🏽 there, and there again 🇮🇷 there.";
  const cp = (s: string) => Array.from(text.slice(0, text.indexOf(s))).length;

  it("turns a quote into code point offsets, with context", () => {
    const t = targetFromSelectors({ exact: "again" }, new CodePointIndex(text), 3);
    expect(t).toMatchObject({ revision: 3, exact: "again", start: cp("again"), end: cp("again") + 5 });
    expect(t.start).toBeLessThan(text.indexOf("again"));
    expect(t.prefix.endsWith("there ")).toBe(true);
    expect(codePointLength("👋🏽")).toBe(2);
  });

  it("chooses the occurrence the prefix, the suffix or the position points to", () => {
    const last = Array.from(text).lastIndexOf("t");
    expect(targetFromSelectors({ exact: "there", suffix: "." }, new CodePointIndex(text), 1).start).toBe(last);
    expect(targetFromSelectors({ exact: "there", prefix: "again 🇮🇷 " }, new CodePointIndex(text), 1).start).toBe(last);
    expect(targetFromSelectors({ exact: "there", start: 17, end: 22 }, new CodePointIndex(text), 1).start).toBe(cp("there again"));
    // Three of them, and nothing to tell them apart: the server does not pick one.
    expect(errorOf(() => targetFromSelectors({ exact: "there" }, new CodePointIndex(text), 1)).message).toMatch(/more than once/);
  });

  it("resolves a RangeSelector from its start selector's start up to its end selector's start, which it leaves out", () => {
    const fox = new CodePointIndex("The quick brown fox jumps over the lazy dog.");
    const range = (from: object, to: object) => ({ range: { from, to, field: "target.selector" } });
    expect(targetFromSelectors(range({ exact: "quick" }, { exact: "jumps" }), fox, 1)).toMatchObject({ exact: "quick brown fox ", start: 4, end: 20 });
    expect(targetFromSelectors(range({ start: 4, end: 9 }, { start: 20, end: 20 }), fox, 1)).toMatchObject({ exact: "quick brown fox ", start: 4, end: 20 });
    // Alternatives to it must name the same text.
    expect(targetFromSelectors({ ...range({ exact: "quick" }, { exact: "jumps" }), exact: "quick brown fox ", start: 4, end: 20 }, fox, 1).end).toBe(20);
    expect(errorOf(() => targetFromSelectors({ ...range({ exact: "quick" }, { exact: "jumps" }), start: 4, end: 19 }, fox, 1)).field).toBe("target.selector");
    expect(errorOf(() => targetFromSelectors({ ...range({ exact: "quick" }, { exact: "jumps" }), exact: "quick" }, fox, 1)).field).toBe("target");
    for (const [from, to, message] of [
      [{ exact: "jumps" }, { exact: "quick" }, /empty or reversed/],
      [{ exact: "quick" }, { exact: "quick" }, /empty or reversed/],
      [{ exact: "quick" }, { exact: "o" }, /endSelector: .*more than once/],
      [{ exact: "cat" }, { exact: "dog" }, /startSelector: .*not in the article/],
      [{ start: 0, end: 1 }, { start: 40, end: 99 }, /endSelector: .*past the article/],
    ] as const) {
      const error = errorOf(() => targetFromSelectors(range(from, to), fox, 1));
      expect(error.field).toBe("target.selector");
      expect(error.message).toMatch(message);
    }
  });

  it("refuses a quote that is not in the text, or a position past its end", () => {
    expect(errorOf(() => targetFromSelectors({ exact: "absent" }, new CodePointIndex(text), 1)).field).toBe("target");
    expect(errorOf(() => targetFromSelectors({ start: 0, end: 1_000 }, new CodePointIndex(text), 1)).field).toBe("target");
  });
});
