import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, addMember, createGroup, createTestApp, signUp } from "../support/app.ts";
import { SEED_ARTICLE, SEED_HEADINGS, blockText } from "../support/fixtures.ts";
import { checkedRequest } from "../support/openapi.ts";
import { importArticle } from "../../src/import/index.ts";
import { DRAFT_BLOCKS, DRAFT_TEXT_UNITS } from "../../src/services/revision-drafts.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Block = { kind: string; start: number; end: number };

async function deskWith(role?: string) {
  const owner = await signUp(t.app, "Owner");
  const group = await createGroup(owner, "Desk");
  if (!role) return { owner, group, member: owner };
  const member = await signUp(t.app, "Member");
  await addMember(owner, group.id, member, role);
  return { owner, group, member };
}

const importSeed = (client: TestClient, groupId: string) =>
  client.post(`/api/groups/${groupId}/articles`, SEED_ARTICLE, { "content-type": "text/plain; charset=utf-8" });

describe("article import: happy path", () => {
  it("imports the seed article as text/plain with its title, byline, headings and references", async () => {
    const { owner, group } = await deskWith();
    const res = await importSeed(owner, group.id);
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/articles/${res.body.id}`);

    const article = (await owner.get(`/api/articles/${res.body.id}`)).body;
    expect(article).toMatchObject({
      id: res.body.id,
      groupId: group.id,
      title: "How to counter Russia-Iran deepening ties?",
      byline: "Hamid Bahrami",
      revision: 1,
    });
    const blocks: Block[] = article.blocks;
    const of = (kind: string) => blocks.filter((b) => b.kind === kind).map((b) => blockText(article.text, b));
    expect(of("heading")).toEqual(SEED_HEADINGS);
    expect(of("reference")).toHaveLength(9);
    expect(of("title")).toEqual(["How to counter Russia-Iran deepening ties?"]);
    expect(of("byline")).toEqual(["Hamid Bahrami"]);
    expect(of("caption")).toHaveLength(1);
    expect(article.text).not.toContain("Related Topics");
  });

  it("gives block offsets in code points that slice the text exactly", async () => {
    const { owner, group } = await deskWith();
    const { body } = await importSeed(owner, group.id);
    const points = Array.from(body.text as string);
    let previousEnd = 0;
    for (const block of body.blocks as Block[]) {
      expect(block.start).toBeGreaterThanOrEqual(previousEnd);
      expect(block.end).toBeGreaterThan(block.start);
      const slice = points.slice(block.start, block.end).join("");
      expect(slice).toBe(slice.trim());
      previousEnd = block.end;
    }
    expect(previousEnd).toBe(points.length);
  });

  it("holds a title and byline the source gives to the length a caller's may have", async () => {
    const { owner, group } = await deskWith();
    // A heading of emoji, so that the cut falls where it could split a character's two halves.
    const md = await owner.post(`/api/groups/${group.id}/articles`, {
      format: "markdown",
      content: `# ${"\u{1F4F0}".repeat(50_000)}\n\nBy ${"Reporter ".repeat(100)}\n\nA paragraph of the story.\n`,
    });
    expect(md.status).toBe(201);
    expect(md.body.title.length).toBeLessThanOrEqual(500);
    expect(md.body.title).toMatch(/^(\u{1F4F0})+…$/u);
    expect(md.body.byline?.length ?? 0).toBeLessThanOrEqual(300);
  });

  it("imports Markdown and HTML sent as JSON, and a file upload", async () => {
    const { owner, group } = await deskWith();
    const md = await owner.post(`/api/groups/${group.id}/articles`, {
      format: "markdown",
      content: "# Claims about *grain*\n\nBy Jo Reporter\n\n## First claim\n\nExports **rose** 40%.\n",
      sourceUrl: "https://example.org/grain",
      publishedAt: "2026-03-01T10:00:00Z",
    });
    expect(md.status).toBe(201);
    expect(md.body).toMatchObject({ title: "Claims about grain", sourceUrl: "https://example.org/grain" });
    expect(md.body.blocks.map((b: Block) => b.kind)).toContain("heading");

    const html = await owner.post(`/api/groups/${group.id}/articles`, {
      format: "html",
      content:
        "<html><head><title>Port story</title></head><body><article><h1>Port story</h1><p>The port handled a record number of ships in the spring, officials said on Monday, citing figures that independent analysts have yet to confirm.</p><p>Critics say the figures were revised twice.<script>alert(1)</script></p></article></body></html>",
    });
    expect(html.status).toBe(201);
    expect(html.body.text).not.toContain("alert");
    expect(html.body.title).toBe("Port story");

    const form = new FormData();
    form.set("file", new File([SEED_ARTICLE], "seed.txt", { type: "text/plain" }));
    const upload = await checkedRequest(t.app, `/api/groups/${group.id}/articles`, {
      method: "POST",
      body: form,
      headers: { cookie: owner.cookie! },
    });
    expect(upload.status).toBe(201);
    expect(((await upload.json()) as { byline: string }).byline).toBe("Hamid Bahrami");
  });

  it("holds titles and bylines to the one-line rule of names: a caller's are refused, a source's are cleaned", async () => {
    const { owner, group } = await deskWith();
    const path = `/api/groups/${group.id}/articles`;
    const content = "A paragraph long enough to be an article of its own, about the treaty.";
    const title = await owner.post(path, { format: "text", title: "Report \u202eevil", content });
    expect([title.status, title.body.error.field]).toEqual([400, "title"]);
    const byline = await owner.post(path, { format: "text", title: "Report", byline: "By \u202e\u0007x", content });
    expect([byline.status, byline.body.error.field]).toEqual([400, "byline"]);
    const queried = await owner.post(`${path}?title=${encodeURIComponent("Report \u202eevil")}`, content, { "content-type": "text/plain" });
    expect(queried.status).toBe(400);
    const page = `<html><head><title>Report\u202e\u2066 about\u0007 the treaty</title></head><body><article><p>${content}</p></article></body></html>`;
    const fromPage = await owner.post(path, { format: "html", content: page });
    expect(fromPage.status).toBe(201);
    expect(fromPage.body.title).toMatch(/^Report\s+about\s+the treaty$/);
  });

  it("lists a group's articles for every member", async () => {
    const { owner, group, member } = await deskWith("viewer");
    const { body } = await importSeed(owner, group.id);
    const list = await member.get(`/api/groups/${group.id}/articles`);
    expect(list.body.articles.map((a: { id: string }) => a.id)).toEqual([body.id]);
  });

  it("stores a corrected text as a new revision and keeps the old one readable", async () => {
    const { owner, group } = await deskWith();
    const { body } = await importSeed(owner, group.id);
    const corrected = SEED_ARTICLE.replace("July 2022", "in July 2022");
    const put = await owner.put(`/api/articles/${body.id}/text`, corrected, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ revision: 2, title: body.title });
    expect(put.body.text).toContain("in July 2022");

    const same = await owner.put(`/api/articles/${body.id}/text`, corrected, { "content-type": "text/plain" });
    expect(same.status).toBe(200);
    expect(same.body.revision).toBe(2);
    // The same text with a new title: still no revision, but the title is the one sent.
    const retitled = await owner.put(`/api/articles/${body.id}/text`, { format: "text", title: "Russia and Iran, revisited", byline: "By the desk", content: corrected });
    expect(retitled.status).toBe(200);
    expect(retitled.body).toMatchObject({ revision: 2, title: "Russia and Iran, revisited", byline: "By the desk" });
    expect((await owner.get(`/api/articles/${body.id}`)).body).toMatchObject({ revision: 2, title: "Russia and Iran, revisited" });

    const old = await owner.get(`/api/articles/${body.id}?revision=1`);
    expect(old.body.revision).toBe(1);
    expect(old.body.text).not.toContain("in July 2022");
    const revisions = await owner.get(`/api/articles/${body.id}/revisions`);
    expect(revisions.body.revisions.map((r: { number: number }) => r.number)).toEqual([2, 1]);

    // A target on the old revision, though it is that revision's text, would never be moved onto the new one.
    const onOld = { revision: 1, exact: "July 2022", prefix: "", suffix: "" };
    for (const res of [
      await owner.post(`/api/articles/${body.id}/annotations`, { kind: "comment", body: "late", target: onOld }),
      await owner.post(`/api/articles/${body.id}/annotations`, { kind: "comment", body: "later", target: { ...onOld, revision: 3 } }),
    ]) {
      expect([res.status, res.body.error.field]).toEqual([400, "target.revision"]);
    }
    expect(old.body.text).toContain("July 2022");
    const onNew = await owner.post(`/api/articles/${body.id}/annotations`, { kind: "comment", body: "now", target: { ...onOld, revision: 2, exact: "in July 2022" } });
    expect(onNew.status).toBe(201);
  });

  // The database writes the text and blocks of these answers as JSON (services/article-answer.ts): every
  // character that JSON escapes, and every one it need not, must come back as the import stored it.
  it("answers with the stored text and blocks, character for character", async () => {
    const { owner, group } = await deskWith();
    const awkward = [
      'Quotes "double" and \\backslashes\\ and a tab\there',
      "Controls \u0001\u0008\u000b\u000c\u001f and DEL \u007f, separators \u2028 and \u2029",
      "Astral 😀 𝕏, right to left مرحبا بالعالم, combining e\u0301, </script> and \u00e9",
    ].join("\n\n");
    const res = await owner.post(`/api/groups/${group.id}/articles`, { format: "text", title: "Awkward", content: awkward });
    expect(res.status).toBe(201);
    // What the import makes of it, worked out here without the server's answer path.
    const expected = importArticle({ format: "text", title: "Awkward", content: awkward });
    expect(expected.text).toContain('"double" and \\backslashes\\');
    expect(expected.text).toContain("😀 𝕏");
    expect(res.body.text).toBe(expected.text);
    expect(res.body.blocks).toEqual(expected.blocks);
    const read = await owner.get(`/api/articles/${res.body.id}`);
    expect(read.headers.get("content-type")).toMatch(/^application\/json/);
    expect(read.body.text).toBe(expected.text);
    expect(read.body.blocks).toEqual(expected.blocks);
  });
  // Past DRAFT_TEXT_UNITS the text, and past DRAFT_BLOCKS the blocks, go to the database in parts
  // (services/revision-drafts.ts): the parts must join into what the import made, astral characters whole.
  it("stores and answers a text longer than one part exactly, on import and on correction", async () => {
    const { owner, group } = await deskWith();
    const paragraph = (i: number) => `Paragraph ${i} says 😀 and 𝕏 and "quotes" at length: ${"lorem ipsum ".repeat(20)}`;
    const content = Array.from({ length: Math.ceil((DRAFT_TEXT_UNITS * 2.2) / 280) }, (_, i) => paragraph(i)).join("\n\n");
    const expected = importArticle({ format: "text", title: "Long", content });
    expect(expected.text.length).toBeGreaterThan(DRAFT_TEXT_UNITS * 2);
    expect(expected.blocks.length).toBeGreaterThan(DRAFT_BLOCKS);
    const res = await owner.post(`/api/groups/${group.id}/articles?title=Long`, content, { "content-type": "text/plain" });
    expect(res.status).toBe(201);
    expect(res.body.text).toBe(expected.text);
    expect(res.body.blocks).toEqual(expected.blocks);
    expect(res.body.contentHash).toBe(expected.contentHash);
    const corrected = `${content}\n\nOne more paragraph, the correction.`;
    const put = await owner.put(`/api/articles/${res.body.id}/text`, corrected, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    expect(put.body.text).toBe(importArticle({ format: "text", title: "Long", content: corrected }).text);
    const again = await owner.put(`/api/articles/${res.body.id}/text`, corrected, { "content-type": "text/plain" });
    expect(again.status).toBe(200);
  });
});

describe("article import: errors", () => {
  it("deletes an article's documents with it: logs, snapshots and client ids of its group, hidden and private rooms", async () => {
    const { owner, group } = await deskWith();
    const article = (await importSeed(owner, group.id)).body as { id: string };
    expect((await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "in the group" })).status).toBe(201);
    expect((await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "mine alone", visibility: "private" })).status).toBe(201);
    const rooms = async () => {
      const rows = await t.database.db.execute(sql`
        select doc_name from doc_updates where doc_name like ${`article:${article.id}%`}
        union all select doc_name from doc_snapshots where doc_name like ${`article:${article.id}%`}
        union all select doc_name from doc_client_ids where doc_name like ${`article:${article.id}%`}`);
      return (rows as unknown as unknown[]).length;
    };
    await t.hub.committer.flush();
    expect(await rooms()).toBeGreaterThan(1);
    expect((await owner.delete(`/api/articles/${article.id}`)).status).toBe(204);
    // Before, every annotation's text stayed in the log after the article was gone.
    expect(await rooms()).toBe(0);
  });

  it("refuses unknown content types with 415", async () => {
    const { owner, group } = await deskWith();
    const res = await owner.post(`/api/groups/${group.id}/articles`, "<a/>", { "content-type": "application/xml" });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("refuses empty content and unknown formats naming the field", async () => {
    const { owner, group } = await deskWith();
    const empty = await owner.post(`/api/groups/${group.id}/articles`, "   \n\n ", { "content-type": "text/plain" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe("content");
    const format = await owner.post(`/api/groups/${group.id}/articles`, { format: "pdf", content: "x" });
    expect(format.body.error.field).toBe("format");
    const url = await owner.post(`/api/groups/${group.id}/articles`, { format: "text", content: "Hello there.", sourceUrl: "javascript:alert(1)" });
    expect(url.body.error.field).toBe("sourceUrl");
    expect((await owner.get(`/api/groups/${group.id}/articles`)).body.articles).toEqual([]);
  });


  it("refuses bytes that are not UTF-8 in every way an article is sent, and reads a declared charset", async () => {
    const { owner, group } = await deskWith();
    // "Caf\xE9 au lait.": Latin-1's é, which is no UTF-8 sequence, where a replacement would lose the letter.
    const latin1 = Uint8Array.from([..."Caf"].map((ch) => ch.charCodeAt(0)).concat(0xe9, ..." au lait.".split("").map((ch) => ch.charCodeAt(0))));
    const articles = `/api/groups/${group.id}/articles`;
    const raw = await owner.post(articles, latin1, { "content-type": "text/plain" });
    expect([raw.status, raw.body.error.field, raw.body.error.message]).toEqual([400, "content", "content: is not valid UTF-8"]);
    const form = new FormData();
    form.set("file", new Blob([latin1], { type: "text/plain" }), "cafe.txt");
    const upload = await owner.post(articles, form);
    expect([upload.status, upload.body.error.message]).toEqual([400, "The body is not valid UTF-8"]);
    const json = Uint8Array.from([...new TextEncoder().encode('{"format":"text","content":"Caf'), 0xe9, ...new TextEncoder().encode('"}')]);
    const asJson = await owner.post(articles, json, { "content-type": "application/json" });
    expect([asJson.status, asJson.body.error.message]).toEqual([400, "The body is not valid UTF-8"]);
    const corrected = await owner.put(`/api/articles/${(await importSeed(owner, group.id)).body.id}/text`, latin1, { "content-type": "text/plain" });
    expect(corrected.status).toBe(400);
    expect((await owner.get(articles)).body.articles).toHaveLength(1);

    const declared = await owner.post(articles, latin1, { "content-type": "text/plain; charset=ISO-8859-1" });
    expect([declared.status, declared.body.text]).toEqual([201, "Café au lait."]);
    // windows-1252's quotes and euro sign, which Node 20's own decoder gets wrong (import/article.ts).
    const cp1252 = Uint8Array.from([0x93, ...Buffer.from("Price", "latin1"), 0x94, 0x20, 0x80, 0x35, 0x2e]);
    const quoted = await owner.post(articles, cp1252, { "content-type": "text/plain; charset=windows-1252" });
    expect([quoted.status, quoted.body.text]).toEqual([201, "“Price” €5."]);
    const unknown = await owner.post(articles, latin1, { "content-type": 'text/plain; charset="x-klingon"' });
    expect([unknown.status, unknown.body.error.code]).toEqual([415, "unsupported_media_type"]);
  });
  it("answers 413 past 10 MiB", async () => {
    const { owner, group } = await deskWith();
    const res = await owner.post(`/api/groups/${group.id}/articles`, "word ".repeat(2_200_000), { "content-type": "text/plain" });
    expect(res.status).toBe(413);
  });

  it("answers 404 for unknown and malformed article ids and revisions", async () => {
    const { owner, group } = await deskWith();
    const { body } = await importSeed(owner, group.id);
    expect((await owner.get("/api/articles/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await owner.get("/api/articles/1%27%20OR%201=1")).status).toBe(404);
    expect((await owner.get(`/api/articles/${body.id}?revision=7`)).status).toBe(404);
    expect((await owner.get(`/api/articles/${body.id}?revision=abc`)).status).toBe(400);
  });

  it("keeps SQL-looking titles as plain text", async () => {
    const { owner, group } = await deskWith();
    const title = "Robert'); DROP TABLE articles;--";
    const res = await owner.post(`/api/groups/${group.id}/articles`, { format: "text", title, content: "A paragraph of text." });
    expect(res.status).toBe(201);
    expect((await owner.get(`/api/articles/${res.body.id}`)).body.title).toBe(title);
  });
});

describe("article import: security", () => {
  it.each(["annotator", "viewer"])("forbids a %s from importing or replacing text", async (role) => {
    const { owner, group, member } = await deskWith(role);
    expect((await importSeed(member, group.id)).status).toBe(403);
    const { body } = await importSeed(owner, group.id);
    const put = await member.put(`/api/articles/${body.id}/text`, "New text.", { "content-type": "text/plain" });
    expect(put.status).toBe(403);
    expect((await member.get(`/api/articles/${body.id}`)).status).toBe(200);
  });

  it("lets a moderator import", async () => {
    const { group, member } = await deskWith("moderator");
    expect((await importSeed(member, group.id)).status).toBe(201);
  });

  it("hides articles from non-members with 404", async () => {
    const { owner, group } = await deskWith();
    const { body } = await importSeed(owner, group.id);
    const stranger = await signUp(t.app);
    expect((await stranger.get(`/api/articles/${body.id}`)).status).toBe(404);
    expect((await stranger.put(`/api/articles/${body.id}/text`, "x", { "content-type": "text/plain" })).status).toBe(404);
    expect((await importSeed(stranger, group.id)).status).toBe(404);
    expect((await new TestClient(t.app).get(`/api/articles/${body.id}`)).status).toBe(401);
  });
});
