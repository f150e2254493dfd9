import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";

/**
 * What a client sends is stored in a form every reader is served under the document's own schemas: a
 * source URL as a `format: uri`, an IRI or a tag without the characters that reverse what follows it.
 * The test client checks every answer against the OpenAPI document, the group's listing among them.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function expectField(reply: Reply, field: string | RegExp) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body.error.code).toBe("validation_failed");
  expect(reply.body.error.field).toMatch(field);
}

const RLO = "\u202e";

describe("source URLs", () => {
  it("are stored in their normal form, http(s) only, and listed under the schema", async () => {
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const normal: [given: string, stored: string][] = [
      ["https://example.org/café", "https://example.org/caf%C3%A9"],
      ["https://例え.jp/", "https://xn--r8jz45g.jp/"],
      ["https://example.org/a b", "https://example.org/a%20b"],
      [`https://example.org/${RLO}evil`, "https://example.org/%E2%80%AEevil"],
      ["https://example.org/<x>", "https://example.org/%3Cx%3E"],
      ["https://example.org/%zz|^", "https://example.org/%25zz%7C%5E"],
      ["https://example.org/p?q=a|b#f#g", "https://example.org/p?q=a%7Cb#f%23g"],
      ["HTTPS://Example.ORG", "https://example.org/"],
    ];
    for (const [given, stored] of normal) {
      const factcheck = { claim: "c", verdict: "false", sources: [{ url: given }] };
      const posted = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "factcheck", body: "n", target: seedTarget(0, "the"), factcheck });
      expect(posted.status, given).toBe(201);
      expect(posted.body.factcheck.sources[0].url).toBe(stored);
    }
    for (const given of ["https://exa mple.org/", "http://[::1", "mailto:a@b.c", "javascript:alert(1)", "/relative"]) {
      const factcheck = { claim: "c", verdict: "false", sources: [{ url: given }] };
      expectField(await owner.post(`/api/articles/${article.id}/annotations`, { kind: "factcheck", body: "n", target: seedTarget(0, "the"), factcheck }), /^factcheck\.sources/);
    }
    expect((await owner.get(`/api/groups/${group.id}/annotations?limit=100`)).status).toBe(200);
  });

  it("of an article, the same", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    const posted = await owner.post(`/api/groups/${group.id}/articles`, { format: "text", content: "A story.", sourceUrl: "https://example.org/a b|c" });
    expect(posted.status).toBe(201);
    expect(posted.body.sourceUrl).toBe("https://example.org/a%20b%7Cc");
    expectField(await owner.post(`/api/groups/${group.id}/articles`, { format: "text", content: "A story.", sourceUrl: "ftp://example.org/" }), "sourceUrl");
  });
});

describe("IRIs and tags", () => {
  it("refuse bidirectional formatting, and a tag given twice", async () => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const create = (extra: object) => owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "x", target: seedTarget(0, "the"), ...extra });
    // The Arabic letter mark is one too (Unicode's Bidi_Control).
    for (const c of ["\u200e", "\u200f", "\u202a", RLO, "\u2066", "\u2069", "\u061c"]) {
      expectField(await create({ via: `https://example.org/a${c}b` }), "via");
      expectField(await create({ canonical: `urn:uuid:${c}1` }), "canonical");
      expectField(await create({ tags: [`a${c}b`] }), "tags");
    }
    for (const c of ["\u2028", "\u2029"]) expectField(await create({ tags: [`a${c}b`] }), "tags");
    // Nor any control character (RFC 3987, section 2.2): C0 ones that are not whitespace, DEL, and C1 ones.
    for (const c of ["\u0000", "\u0001", "\u001b", "\u001f", "\u007f", "\u0080", "\u0085", "\u009f"]) {
      expectField(await create({ via: `https://example.org/a${c}b` }), "via");
      expectField(await create({ canonical: `urn:uuid:${c}1` }), "canonical");
    }
    expectField(await create({ tags: ["x", "y", "x"] }), "tags");
    expectField(await create({ tags: ["x", " x "] }), "tags");
    // A tag that shows nothing, or one that reads as another (a zero-width space, another Unicode form).
    for (const invisible of ["\u200b", "\u00ad", "\u034f"]) expectField(await create({ tags: [invisible] }), "tags");
    expectField(await create({ tags: ["a", "a\u200b"] }), "tags");
    expectField(await create({ tags: ["caf\u00e9", "cafe\u0301"] }), "tags");
    const kept = await create({ tags: ["x", "y"], via: "https://example.org/a" });
    expect([kept.status, kept.body.tags]).toEqual([201, ["x", "y"]]);
  });
});
