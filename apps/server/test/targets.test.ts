import { annotationsOf, buildTarget, createAnnotation, updateAnnotation } from "@marginalia/schema";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "./support/app.ts";
import { type Member, articleWithMembers } from "./support/article.ts";
import { eventually, openSyncClient } from "./support/sync-client.ts";

/**
 * What a client says it annotates is stored as it said it, or refused with 400 naming the field: never
 * moved to the article, nor to where the quote happens to be. The seed article begins "Hamid Bahrami".
 */

let t: TestApp;
let owner: Member;
let articleId: string;
let room: string;
let url: string;
let suffix: string;
beforeAll(async () => {
  t = await createTestApp();
  url = await t.listen();
  const made = await articleWithMembers(t.app, []);
  owner = made.owner;
  articleId = made.article.id;
  room = made.article.sync.room;
  // The context the server fills in after "Bahrami" when a target leaves its suffix empty.
  const { text } = (await owner.get(`/api/articles/${articleId}`)).body as { text: string };
  suffix = buildTarget(text, { start: 6, end: 13 }, 1).suffix;
});
afterAll(() => t.close());

const target = (more: Record<string, unknown> = {}) => ({ revision: 1, exact: "Bahrami", prefix: "Hamid ", suffix, start: 6, end: 13, ...more });
const LD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"';
const w3c = (t: unknown) => ({ "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", bodyValue: "note", target: t });
const postW3C = (doc: unknown) => owner.request("POST", `/w3c/articles/${articleId}/`, JSON.stringify(doc), { "content-type": LD });

describe("REST targets", () => {
  it("keeps a target that is the article's text", async () => {
    const res = await owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: target() });
    expect(res.status).toBe(201);
    expect(res.body.target).toEqual(target());
    // One whose suffix is left empty has it filled in from the text.
    const bare = await owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: target({ suffix: "" }) });
    expect(bare.body.target).toEqual(target());
  });

  it.each([
    ["exact", { exact: "Hamid" }],
    ["end", { end: 10_000_000 }],
    ["prefix", { prefix: "Ahmad " }],
    ["suffix", { suffix: "Zzz" }],
    ["revision", { revision: 99 }],
  ])("refuses a target whose %s is not the text, on create and on PATCH", async (field, change) => {
    const created = await owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: target(change) });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: "validation_failed", field: `target.${field}` });
    const kept = await owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: target() });
    const patched = await owner.patch(`/api/annotations/${kept.body.id}`, { target: target(change) });
    expect(patched.status).toBe(400);
    expect(patched.body.error.field).toBe(`target.${field}`);
    expect((await owner.get(`/api/annotations/${kept.body.id}`)).body.target).toEqual(target());
  });
});

describe("REST targets: bounds, characters and quotes without positions", () => {
  const create = (t: unknown) => owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: t });
  const seedText = async () => ((await owner.get(`/api/articles/${articleId}`)).body as { text: string }).text;

  it.each([
    ["exact", { exact: "x".repeat(20_001), end: 20_007 }],
    ["prefix", { prefix: "x".repeat(201) }],
    ["suffix", { suffix: "x".repeat(201) }],
  ])("refuses a %s longer than the bound, naming it", async (field, change) => {
    const res = await create(target(change));
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(`target.${field}`);
  });

  it("refuses an empty range, storing nothing", async () => {
    const at = target().start;
    const empty = await create({ revision: 1, exact: "", prefix: "", suffix: "", start: at, end: at });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe("target.end");
    const listed = await owner.get(`/api/articles/${articleId}/annotations`);
    expect(listed.body.annotations.some((a: { target: { start: number; end: number } | null }) => a.target?.start === at && a.target.end === at)).toBe(false);
  });

  it("refuses a target that starts or ends inside a grapheme cluster (the seed's stray U+064F after a space)", async () => {
    const text = await seedText();
    const mark = Array.from(text).indexOf("\u064F");
    expect(mark).toBeGreaterThan(0);
    const inside = { revision: 1, exact: "\u064FThe", prefix: "", suffix: "", start: mark, end: mark + 4 };
    const res = await create(inside);
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe("target.start");
    const before = await create({ ...inside, exact: "Iran.", start: mark - 6, end: mark - 1 });
    expect(before.status).toBe(201);
    const cutting = await create({ ...inside, exact: "Iran. ", start: mark - 6, end: mark });
    expect(cutting.body.error.field).toBe("target.end");
    const whole = await create({ ...inside, exact: " \u064FThe", start: mark - 1, end: mark + 4 });
    expect(whole.status).toBe(201);
  });

  it("fills in the positions of a quote that occurs once, and refuses one that occurs more often", async () => {
    const unique = await create({ revision: 1, exact: "Hamid Bahrami" });
    expect(unique.status).toBe(201);
    expect(unique.body.target).toMatchObject({ exact: "Hamid Bahrami", start: 0, end: 13 });
    const text = await seedText();
    expect(text.split("Iran").length).toBeGreaterThan(3);
    const ambiguous = await create({ revision: 1, exact: "Iran" });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({ field: "target.exact" });
    expect(ambiguous.body.error.message).toMatch(/more than once/);
    const absent = await create({ revision: 1, exact: "not in the article at all" });
    expect(absent.body.error.field).toBe("target.exact");
    const halfPositions = await create({ revision: 1, exact: "Hamid", start: 0 });
    expect(halfPositions.body.error.field).toBe("target.end");
  });

  it("fills in an empty prefix and suffix from the text, so that a revision that moves the quote keeps it anchored", async () => {
    const made = await articleWithMembers(t.app, []);
    const quote = "the West is so sensitive about any cooperation";
    const placed = await made.owner.post(`/api/articles/${made.article.id}/annotations`, { kind: "comment", body: "x", target: { revision: 1, exact: quote } });
    expect(placed.status).toBe(201);
    expect(placed.body.target.prefix.length).toBeGreaterThan(0);
    expect(placed.body.target.suffix.length).toBeGreaterThan(0);
    const { text } = (await made.owner.get(`/api/articles/${made.article.id}`)).body as { text: string };
    const put = await made.owner.put(`/api/articles/${made.article.id}/text`, `A sentence added at the start.\n\n${text}`, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    expect(put.body.reanchored).toMatchObject({ orphaned: 0 });
    const moved = (await made.owner.get(`/api/annotations/${placed.body.id}`)).body;
    expect(moved).toMatchObject({ target: { revision: 2, exact: quote }, anchor: { state: "anchored" } });
  });

  it("reads a quote's CRLF line breaks as the import writes them", async () => {
    const text = await seedText();
    const at = text.indexOf("\n");
    const points = Array.from(text.slice(0, at)).length;
    const exact = `${text.slice(at - 5, at)}\r\n`;
    const res = await create({ revision: 1, exact, start: points - 5, end: points + 1 });
    expect(res.status).toBe(201);
    expect(res.body.target.exact).toBe(exact.replace("\r\n", "\n"));
  });
});

describe("W3C targets", () => {
  const article = () => `${url}/articles/${articleId}`;

  it("accepts the article's IRI, as a whole-article note or with selectors", async () => {
    const whole = await postW3C(w3c(article()));
    expect(whole.status, JSON.stringify(whole.body)).toBe(201);
    const quoted = await postW3C(w3c({ source: article(), selector: { type: "TextQuoteSelector", exact: "Bahrami", prefix: "Hamid " } }));
    expect(quoted.status, JSON.stringify(quoted.body)).toBe(201);
    expect(quoted.body.target.selector[1]).toEqual({ type: "TextPositionSelector", start: 6, end: 13 });
  });

  it.each([
    ["another page", "http://www.example.com/index.html", "target"],
    ["another page, with a quote of ours", { source: "http://www.example.com/", selector: { type: "TextQuoteSelector", exact: "Hamid" } }, "target.source"],
    ["an external resource", { id: "http://www.example.com/photo.jpg" }, "target.id"],
    ["one good target and one elsewhere", [`ARTICLE`, "http://www.example.com/"], "target.1"],
  ])("refuses %s with 400 naming the field", async (_, given, field) => {
    const res = await postW3C(w3c(JSON.parse(JSON.stringify(given).replaceAll('"ARTICLE"', JSON.stringify(article())))));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", field });
  });

  it.each([
    ["a quote the article does not have", { type: "TextQuoteSelector", exact: "nowhere in the text" }],
    ["a prefix that is not before the quote", { type: "TextQuoteSelector", exact: "Bahrami", prefix: "Ahmad " }],
    ["a suffix that is not after the quote", { type: "TextQuoteSelector", exact: "Hamid", suffix: " Zzz" }],
    ["a position whose text is not the quote", [{ type: "TextQuoteSelector", exact: "Bahrami" }, { type: "TextPositionSelector", start: 0, end: 5 }]],
  ])("refuses %s rather than moving the target", async (_, selector) => {
    const res = await postW3C(w3c({ source: article(), selector }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "validation_failed", field: "target" });
  });
});

describe("socket targets", () => {
  const write = async (change: (doc: import("yjs").Doc, authorId: string) => void) => {
    const client = openSyncClient(url, room, owner.token);
    await client.synced;
    change(client.doc, owner.user.id);
    return client;
  };

  it("keeps a target that is the article's text", async () => {
    let id = "";
    const client = await write((doc, authorId) => (id = createAnnotation(doc, { kind: "comment", authorId, body: "ok", target: target() })));
    try {
      await eventually(async () => expect((await owner.get(`/api/annotations/${id}`)).body.target).toEqual(target()), 5_000);
      expect(client.closes).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it.each([
    ["exact", { exact: "Hamid" }],
    ["end", { end: 10_000_000 }],
    ["prefix", { prefix: "Ahmad " }],
  ])("closes with 4403 naming target.%s when a created target is not the text, and stores nothing", async (field, change) => {
    let id = "";
    const client = await write((doc, authorId) => (id = createAnnotation(doc, { kind: "comment", authorId, body: "bad", target: target(change) })));
    try {
      await eventually(() => expect(client.closes.map((c) => c.code)).toContain(4403), 5_000);
      expect(client.closes[0]!.reason).toContain(`target.${field}`);
      expect((await owner.get(`/api/annotations/${id}`)).status).toBe(404);
    } finally {
      client.destroy();
    }
  });

  it("puts off a target on a revision later than the text it knows (4503), reads the text again, then refuses it when there is none (4403)", async () => {
    const closes: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      let id = "";
      const client = await write((doc, authorId) => (id = createAnnotation(doc, { kind: "comment", authorId, body: "later", target: target({ revision: 99 }) })));
      try {
        await eventually(() => expect(client.closes).toHaveLength(1), 5_000);
        closes.push(client.closes[0]!.code);
        if (attempt === 1) expect(client.closes[0]!.reason).toContain("target.revision: the article has no revision 99");
        expect((await owner.get(`/api/annotations/${id}`)).status).toBe(404);
      } finally {
        client.destroy();
      }
    }
    expect(closes).toEqual([4503, 4403]);
  });

  it("puts off a target on a revision another process stored, and takes it when the provider sends it again", async () => {
    const made = await articleWithMembers(t.app, []);
    const client = openSyncClient(url, made.article.sync.room, made.owner.token, { reconnect: true });
    try {
      await client.synced; // this process now holds the first text
      const { text } = (await made.owner.get(`/api/articles/${made.article.id}`)).body as { text: string };
      // Stored as another process would store them, with no event reaching this one: two revisions in a row,
      // the second after this process had read the first because a socket named it.
      for (const [revision, revised] of [[2, `${text}\n\nA correction.`], [3, `${text}\n\nA second correction.`]] as const) {
        await t.database.db.execute(sql`insert into article_revisions (article_id, number, text, blocks, content_hash, format)
          select article_id, ${revision}, ${revised}, blocks, ${`another process ${revision}`}, format from article_revisions where article_id = ${made.article.id} and number = 1`);
        await t.database.db.execute(sql`update articles set current_revision = ${revision} where id = ${made.article.id}`);
        const start = Array.from(revised).length - "correction.".length;
        const id = createAnnotation(client.doc, { kind: "comment", authorId: made.owner.user.id, body: `on revision ${revision}`, target: buildTarget(revised, { start, end: start + 10 }, revision) });
        await eventually(async () => expect((await made.owner.get(`/api/annotations/${id}`)).body.target).toMatchObject({ revision, exact: "correction" }), 10_000);
      }
      expect(client.closes.map((c) => c.code)).toEqual([4503, 4503]);
    } finally {
      client.destroy();
    }
  });

  it("refuses an edit that moves a target off the text, and one that starts inside a grapheme cluster", async () => {
    const text = ((await owner.get(`/api/articles/${articleId}`)).body as { text: string }).text;
    const mark = Array.from(text).indexOf("\u064F");
    const kept = await owner.post(`/api/articles/${articleId}/annotations`, { kind: "comment", body: "x", target: target() });
    for (const bad of [target({ suffix: "Zzz" }), { revision: 1, exact: "\u064FThe", prefix: "", suffix: "", start: mark, end: mark + 4 }]) {
      const client = await write((doc) => {
        expect(annotationsOf(doc).has(kept.body.id)).toBe(true);
        updateAnnotation(doc, kept.body.id, { target: bad });
      });
      try {
        await eventually(() => expect(client.closes.map((c) => c.code)).toContain(4403), 5_000);
        expect(client.closes[0]!.reason).toMatch(/^target\.(suffix|start)/);
      } finally {
        client.destroy();
      }
    }
    expect((await owner.get(`/api/annotations/${kept.body.id}`)).body.target).toEqual(target());
  });
});
