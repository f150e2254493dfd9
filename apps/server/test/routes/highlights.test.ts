import { CodePointIndex, buildTarget } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, TestClient, createTestApp, signUp } from "../support/app.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";
import { SEED_ARTICLE } from "../support/fixtures.ts";
import { eventually } from "../support/sync-client.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Span = { id: string; start: number; end: number; kind: string; status: string; resolved: boolean; visibility: string; verdict?: string; stale: boolean };
type Row = { id: string; parentId: string | null; revision: number; target: { start: number; end: number } | null; anchor: { state: string } };

const fc = (claim: string, verdict: string) => ({ claim, verdict, sources: [] });

async function desk() {
  const d = await articleWithMembers(t.app, ["annotator", "moderator", "viewer"]);
  const [annotator, moderator, viewer] = d.members as [(typeof d.members)[0], (typeof d.members)[0], (typeof d.members)[0]];
  const post = async (who: TestClient, body: object) => (await who.post(`/api/articles/${d.article.id}/annotations`, body)).body.id as string;
  const highlights = async (who: TestClient) => (await who.get(`/api/articles/${d.article.id}/highlights`)).body as { revision: number; highlights: Span[] };
  return { ...d, annotator, moderator, viewer, post, highlights };
}

/** What the REST list shows `who`, every page of it. */
async function listed(who: TestClient, articleId: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor = "";
  do {
    const page = await who.get(`/api/articles/${articleId}/annotations?limit=200${cursor && `&cursor=${cursor}`}`);
    rows.push(...page.body.annotations);
    cursor = page.body.nextCursor ?? "";
  } while (cursor);
  return rows;
}

/** The REST list read the way the reader places threads: roots with a target on `revision` that is not orphaned. */
function paintedFrom(rows: Row[], revision: number): string[] {
  const ids = new Set(rows.map((r) => r.id));
  return rows
    .filter((r) => r.target && r.revision === revision && r.anchor.state !== "orphaned" && !(r.parentId && ids.has(r.parentId)))
    .map((r) => r.id)
    .sort();
}

const idsOf = (list: { highlights: Span[] }) => list.highlights.map((h) => h.id).sort();

describe("GET /api/articles/:articleId/highlights", () => {
  it("lists each thread's span with the fields its layer depends on, and nothing else", async () => {
    const d = await desk();
    const comment = await d.post(d.annotator, { kind: "comment", body: "Key lever", target: seedTarget(10, "Russia") });
    const highlight = await d.post(d.owner, { kind: "highlight", target: seedTarget(500, "Iran") });
    const check = await d.post(d.moderator, { kind: "factcheck", target: seedTarget(200, "West"), factcheck: fc("The revival is ineffective", "misleading") });
    const note = await d.post(d.annotator, { kind: "comment", body: "A note on the whole page" });
    const reply = await d.annotator.post(`/api/annotations/${comment}/replies`, { body: "Source?" });
    expect(reply.status).toBe(201);
    await d.owner.post(`/api/annotations/${highlight}/resolve`);

    const res = await d.viewer.get(`/api/articles/${d.article.id}/highlights`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const span = (at: ReturnType<typeof seedTarget>) => ({ start: at.start, end: at.end });
    expect(res.body.revision).toBe(1);
    expect(res.body.highlights).toHaveLength(3);
    expect(res.body.highlights).toEqual(
      expect.arrayContaining([
        { id: comment, ...span(seedTarget(10, "Russia")), kind: "comment", status: "published", resolved: false, visibility: "group", stale: false },
        { id: highlight, ...span(seedTarget(500, "Iran")), kind: "highlight", status: "published", resolved: true, visibility: "group", stale: false },
        { id: check, ...span(seedTarget(200, "West")), kind: "factcheck", status: "published", resolved: false, visibility: "group", verdict: "misleading", stale: false },
      ]),
    );
    // A reply sits in its parent's thread, and a page note has no span.
    expect(idsOf(res.body)).not.toContain(reply.body.id);
    expect(idsOf(res.body)).not.toContain(note);
  });

  it("shows each member exactly what the REST list shows them: hidden threads to moderators, private work to its author", async () => {
    const d = await desk();
    const shown = await d.post(d.annotator, { kind: "comment", body: "Stays", target: seedTarget(10, "Russia") });
    const hidden = await d.post(d.annotator, { kind: "comment", body: "Spam", target: seedTarget(300, "military") });
    const hiddenReply = (await d.moderator.post(`/api/annotations/${hidden}/replies`, { body: "Why?" })).body.id as string;
    const mine = await d.post(d.annotator, { kind: "highlight", target: seedTarget(500, "Iran"), visibility: "private" });
    const review = await d.post(d.annotator, { kind: "factcheck", target: seedTarget(200, "West"), factcheck: fc("A claim", "false") });
    expect((await d.moderator.post(`/api/annotations/${hidden}/hide`, { reason: "Spam" })).status).toBe(200);

    const annotator = await d.highlights(d.annotator);
    expect(idsOf(annotator)).toEqual([shown, mine, review].sort());
    expect(annotator.highlights.find((h) => h.id === mine)?.visibility).toBe("private");
    expect(annotator.highlights.find((h) => h.id === review)?.status).toBe("pending");
    const moderator = await d.highlights(d.moderator);
    expect(idsOf(moderator)).toEqual([shown, hidden, review].sort());
    expect(moderator.highlights.find((h) => h.id === hidden)?.status).toBe("hidden");
    expect(idsOf(moderator)).not.toContain(hiddenReply);
    expect(idsOf(await d.highlights(d.viewer))).toEqual([shown, review].sort());

    for (const who of [d.owner, d.annotator, d.moderator, d.viewer]) {
      expect(idsOf(await d.highlights(who))).toEqual(paintedFrom(await listed(who, d.article.id), 1));
    }
  });

  it("answers outsiders, strangers to the article and bad ids as the REST list does", async () => {
    const d = await desk();
    const stranger = await signUp(t.app);
    const anonymous = new TestClient(t.app);
    const both = async (who: TestClient, articleId: string) => {
      const [list, spans] = await Promise.all([who.get(`/api/articles/${articleId}/annotations`), who.get(`/api/articles/${articleId}/highlights`)]);
      expect(spans.status).toBe(list.status);
      return spans;
    };
    expect((await both(stranger, d.article.id)).status).toBe(404);
    expect((await both(anonymous, d.article.id)).status).toBe(401);
    const malformed = await both(d.owner, "not-an-id");
    expect(malformed.status).toBe(404);
    expect(malformed.body.error.code).toBe("not_found");

    expect((await d.owner.delete(`/api/articles/${d.article.id}`)).status).toBe(204);
    expect((await both(d.owner, d.article.id)).status).toBe(404);
  });

  it("gives spans on the current revision only, where the re-anchored targets now stand", async () => {
    const d = await desk();
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const on = (quote: string) => {
      const index = new CodePointIndex(text);
      const start = index.toCodePoint(text.indexOf(quote));
      return buildTarget(index, { start, end: start + Array.from(quote).length }, 1);
    };
    const kept = "the West is so sensitive about any cooperation";
    const gone = "Western countries, especially the United States, do not have many options";
    const moved = await d.post(d.annotator, { kind: "comment", body: "Moves", target: on(kept) });
    const orphan = await d.post(d.annotator, { kind: "comment", body: "Orphaned", target: on(gone) });

    const corrected = `A correction opens the text.\n\n${SEED_ARTICLE}`.replace(SEED_ARTICLE.split("\n").find((l) => l.includes(gone))!, "");
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, corrected, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    const index = new CodePointIndex(put.body.text);
    await eventually(async () => {
      const list = await d.highlights(d.annotator);
      expect(list.revision).toBe(2);
      expect(idsOf(list)).toEqual([moved]);
      const [span] = list.highlights;
      expect(index.slice(span!.start, span!.end)).toBe(kept);
    }, 2_000);
    expect(paintedFrom(await listed(d.annotator, d.article.id), 2)).toEqual([moved]);
    expect(idsOf(await d.highlights(d.annotator))).not.toContain(orphan);
  });
});
