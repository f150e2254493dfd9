import { parseRoom, updateAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor } from "../src/documents/context.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";

const ORIGIN = "https://annotations.example";
const LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"';

let t: TestApp;
beforeAll(async () => void (t = await createTestApp({ env: { PUBLIC_ORIGIN: ORIGIN } })));
afterAll(() => t.close());

/**
 * Tags stored before a rule that would refuse them now (one that shows nothing, two that read alike) stay the
 * annotation's: a W3C client that GETs it and PUTs it back with another body keeps them, and only tags it
 * changes are judged (docs/w3c.md, "What a container accepts").
 */
describe("a W3C PUT of an annotation whose stored tags a later rule would refuse", () => {
  it("keeps them when they come back as they were, and judges them, with the rule's words, when they change", async () => {
    const { owner, article, group } = await articleWithMembers(t.app, []);
    const container = `/w3c/articles/${article.id}/`;
    const doc = {
      "@context": "http://www.w3.org/ns/anno.jsonld",
      type: "Annotation",
      body: [{ type: "TextualBody", value: "first" }, { type: "TextualBody", purpose: "tagging", value: "news" }],
      target: { source: `${ORIGIN}/articles/${article.id}`, selector: { type: "TextPositionSelector", start: 0, end: 5 } },
    };
    const created = await owner.request("POST", container, JSON.stringify(doc), { "content-type": LD });
    expect(created.status).toBe(201);
    const id = (created.body.id as string).split("/").at(-1)!;
    // As stored before the rule: written by the server, past the checks a client's write meets today.
    await t.hub.change(contextFor(parseRoom(article.sync.room)!, group.id, 1), { userId: null }, (ydoc) => {
      updateAnnotation(ydoc, id, { tags: ["news", "news\u200b"] });
    });
    const path = (created.body.id as string).slice(ORIGIN.length);
    const read = await owner.request("GET", path);
    const tagging = (read.body.body as Array<{ purpose?: string; value: string }>).filter((b) => b.purpose === "tagging").map((b) => b.value);
    expect(tagging).toEqual(["news", "news\u200b"]);

    const bodies = (read.body.body as Array<{ purpose?: string; value: string }>).map((b) => (b.purpose === "tagging" ? b : { ...b, value: "second" }));
    const put = await owner.request("PUT", path, JSON.stringify({ ...read.body, body: bodies }), { "content-type": LD, "if-match": read.headers.get("etag")! });
    expect(put.status).toBe(200);
    expect((put.body.body as Array<{ value: string }>).map((b) => b.value)).toEqual(expect.arrayContaining(["second", "news", "news\u200b"]));

    const invisible = [...bodies.filter((b) => b.purpose !== "tagging"), { type: "TextualBody", purpose: "tagging", value: "\u200b" }];
    const refused = await owner.request("PUT", path, JSON.stringify({ ...put.body, body: invisible }), { "content-type": LD, "if-match": put.headers.get("etag")! });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("visible");
  });
});
