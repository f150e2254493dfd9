import { createHmac } from "node:crypto";
import { CodePointIndex, annotationsOf, updateAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextFor } from "../../src/documents/context.ts";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers, targetOn } from "../support/article.ts";
import { SEED_CORRECTION, SEED_PASSAGES } from "../support/fixtures.ts";
import { eventually } from "../support/sync-client.ts";
import { receiver } from "../support/webhook-receiver.ts";

const { kept: KEPT, reworded: REWORDED, deleted: DELETED } = SEED_PASSAGES;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: "true" }, webhooks: { baseDelayMs: 40, maxDelayMs: 200, pollMs: 50 } });
});
afterAll(() => t.close());

/** A desk with three published fact-checks by an annotator, one by a moderator, and a webhook for factcheck.stale. */
async function desk(failures: number) {
  const d = await articleWithMembers(t.app, ["annotator", "annotator", "moderator"]);
  const [author, bystander, moderator] = d.members as [(typeof d.members)[0], (typeof d.members)[0], (typeof d.members)[0]];
  const hook = await receiver(failures);
  const webhook = await d.owner.post(`/api/groups/${d.group.id}/webhooks`, { url: hook.url, events: ["factcheck.stale"] });
  expect(webhook.status).toBe(201);
  const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
  const check = async (who: typeof author, quote: string, verdict: string) => {
    const made = await who.post(`/api/articles/${d.article.id}/annotations`, {
      kind: "factcheck",
      target: targetOn(text, quote),
      factcheck: { claim: `About: ${quote.slice(0, 30)}`, verdict, sources: [{ url: "https://example.org/source" }] },
    });
    expect(made.status).toBe(201);
    if (made.body.status !== "published") expect((await moderator.post(`/api/annotations/${made.body.id}/publish`)).status).toBe(200);
    return made.body.id as string;
  };
  const ids = {
    kept: await check(author, KEPT, "mostly-true"),
    reworded: await check(author, REWORDED, "false"),
    deleted: await check(author, DELETED, "misleading"),
    moderators: await check(moderator, REWORDED, "mixed"),
  };
  return { ...d, author, bystander, moderator, hook, secret: webhook.body.secret as string, ids };
}

const exportOf = async (who: { get: (p: string) => Promise<{ body: unknown }> }, articleId: string, format: string) =>
  JSON.stringify((await who.get(`/api/articles/${articleId}/export?format=${format}`)).body);

describe("verdicts pinned to the text", () => {
  it("marks a verdict stale when a revision changes its passage, tells its author, the moderators and the webhook, and keeps it out of exports", async () => {
    const d = await desk(1);
    // A private note of the author's, whose staleness is theirs alone to hear of.
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const note = await d.author.post(`/api/articles/${d.article.id}/annotations`, {
      kind: "factcheck",
      visibility: "private",
      target: targetOn(text, REWORDED),
      factcheck: { claim: "My own reading", verdict: "mixed", sources: [] },
    });
    expect(note.body).toMatchObject({ visibility: "private", stale: false });
    for (const id of Object.values(d.ids)) expect((await d.author.get(`/api/annotations/${id}`)).body).toMatchObject({ stale: false, staleness: null });

    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    const get = async (id: string) => (await d.author.get(`/api/annotations/${id}`)).body;

    // The passage moved but reads the same: the verdict is current.
    expect(await get(d.ids.kept)).toMatchObject({ stale: false, staleness: null, anchor: { state: "anchored" }, target: { revision: 2 } });
    const reworded = await get(d.ids.reworded);
    expect(reworded).toMatchObject({ stale: true, staleness: { judgedRevision: 1, revision: 2, oldQuote: REWORDED } });
    expect(reworded.staleness.newQuote).toContain("tougher sanctions");
    expect(await get(d.ids.deleted)).toMatchObject({ stale: true, staleness: { judgedRevision: 1, revision: 2, oldQuote: DELETED, newQuote: null } });
    const listed = await d.author.get(`/api/articles/${d.article.id}/annotations?stale=true`);
    expect(listed.body.annotations.map((a: { id: string; stale: boolean }) => a.stale && a.id).sort()).toEqual(
      [d.ids.reworded, d.ids.deleted, d.ids.moderators, note.body.id].sort(),
    );
    const current = await d.author.get(`/api/groups/${d.group.id}/annotations?stale=false&kind=factcheck`);
    expect(current.body.annotations.map((a: { id: string }) => a.id)).toEqual([d.ids.kept]);

    // The author and every moderator hear of it, once; another annotator does not.
    const staleNotes = async (who: typeof d.author) =>
      ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string; data: Record<string, unknown> }>).filter((n) => n.kind === "stale");
    const toAuthor = await staleNotes(d.author);
    expect(toAuthor.map((n) => n.annotationId).sort()).toEqual([d.ids.reworded, d.ids.deleted, note.body.id].sort());
    expect(toAuthor.find((n) => n.annotationId === d.ids.reworded)!.data).toMatchObject({ revision: 2, oldQuote: REWORDED, verdict: "false" });
    for (const who of [d.moderator, d.owner]) expect((await staleNotes(who)).map((n) => n.annotationId).sort()).toEqual(Object.values(d.ids).filter((id) => id !== d.ids.kept).sort());
    expect(await staleNotes(d.bystander)).toEqual([]);

    // factcheck.stale, signed, from the outbox, retried after the receiver's first failure under the same delivery id.
    await eventually(() => expect(new Set(d.hook.received.map((r) => r.headers["x-marginalia-delivery"])).size).toBe(3), 10_000);
    await eventually(() => expect(d.hook.received).toHaveLength(4), 10_000);
    const bodies = new Map<string, string>();
    for (const r of d.hook.received) {
      expect(r.headers["x-marginalia-event"]).toBe("factcheck.stale");
      expect(r.headers["x-marginalia-signature"]).toBe(`sha256=${createHmac("sha256", d.secret).update(r.body).digest("hex")}`);
      const id = r.headers["x-marginalia-delivery"] as string;
      if (bodies.has(id)) expect(r.body).toBe(bodies.get(id));
      bodies.set(id, r.body);
    }
    const payloads = [...bodies.values()].map((b) => JSON.parse(b));
    expect(payloads.find((p) => p.factcheck.annotationId === d.ids.reworded)).toMatchObject({
      event: "factcheck.stale",
      groupId: d.group.id,
      article: { id: d.article.id },
      factcheck: { verdict: "false", judgedRevision: 1, revision: 2, oldQuote: REWORDED },
    });

    for (const format of ["claimreview", "w3c"]) {
      const file = await exportOf(d.author, d.article.id, format);
      expect(file, format).toContain(d.ids.kept);
      for (const id of [d.ids.reworded, d.ids.deleted, d.ids.moderators]) expect(file, format).not.toContain(id);
    }
    await d.hook.close();
  }, 60_000);

  it("tells of a stale verdict only where it is published or on its way, and words it by what each recipient may do", async () => {
    const d = await articleWithMembers(t.app, ["annotator", "moderator"], "pre");
    const [author, moderator] = d.members as [(typeof d.members)[0], (typeof d.members)[0]];
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const submit = async (quote: string) => {
      const made = await author.post(`/api/articles/${d.article.id}/annotations`, { kind: "factcheck", target: targetOn(text, quote), factcheck: { claim: quote.slice(0, 30), verdict: "false", sources: [] } });
      expect(made.body.status).toBe("pending");
      return made.body.id as string;
    };
    const rejected = await submit(REWORDED);
    expect((await moderator.post(`/api/annotations/${rejected}/reject`, { reason: "Please cite the summit declaration" })).status).toBe(204);
    const approved = await submit(DELETED);
    expect((await moderator.post(`/api/annotations/${approved}/approve`)).status).toBe(200);
    expect((await d.owner.put(`/api/articles/${d.article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" })).status).toBe(201);

    // The rejected one is marked stale on its data, as every verdict is, but nobody is asked about it.
    expect((await author.get(`/api/annotations/${rejected}`)).body).toMatchObject({ status: "rejected", stale: true });
    const staleNotes = async (who: typeof author) =>
      ((await who.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string; data: Record<string, unknown> }>)
        .filter((n) => n.kind === "stale")
        .map((n) => [n.annotationId, n.data.may]);
    // Its author may neither confirm nor revise what was published (locked); its moderators may.
    expect(await staleNotes(author)).toEqual([[approved, "ask"]]);
    expect(await staleNotes(moderator)).toEqual([[approved, "revise"]]);
  }, 60_000);

  it("follows one rule on every read path: exports of published verdicts leave it out, listings of the desk's work show it, marked stale", async () => {
    const d = await desk(0);
    expect((await d.owner.put(`/api/articles/${d.article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" })).status).toBe(201);
    const { reworded, kept } = d.ids;
    const article = `/api/articles/${d.article.id}`;

    // Exports of published verdicts, for readers who cannot see the correction: the article's and the group's.
    for (const path of [`${article}/export`, `/api/groups/${d.group.id}/export`]) {
      for (const format of ["claimreview", "w3c"]) {
        const file = JSON.stringify((await d.author.get(`${path}?format=${format}`)).body);
        expect(file, `${path} ${format}`).toContain(kept);
        expect(file, `${path} ${format}`).not.toContain(reworded);
      }
    }

    // Listings of the desk's work: each shows it, saying it is stale, and the current verdict as current.
    const marks = new Map<string, Array<[string, unknown, unknown]>>();
    const mark = (path: string, id: string, stale: unknown) => marks.set(path, [...(marks.get(path) ?? []), [id, stale, id === reworded]]);
    for (const id of [reworded, kept]) {
      mark("REST annotation", id, (await d.author.get(`/api/annotations/${id}`)).body.stale);
      mark("W3C annotation", id, (await d.author.get(`/w3c/articles/${d.article.id}/${id}`)).body["mg:stale"]);
    }
    for (const path of [`${article}/annotations`, `/api/groups/${d.group.id}/annotations`]) {
      for (const a of (await d.author.get(path)).body.annotations as Array<{ id: string; stale: boolean }>) if (a.id === reworded || a.id === kept) mark(path, a.id, a.stale);
    }
    const described = await d.author.get(`/w3c/articles/${d.article.id}/`, { prefer: 'return=representation; include="http://www.w3.org/ns/oa#PreferContainedDescriptions"' });
    for (const item of described.body.first.items as Array<Record<string, unknown>>) {
      const id = String(item.id).split("/").at(-1)!;
      if (id === reworded || id === kept) mark("W3C container", id, item["mg:stale"]);
    }
    const page = await d.author.get(`/w3c/articles/${d.article.id}/?page=0`);
    for (const item of page.body.items as Array<Record<string, unknown>>) {
      const id = String(item.id).split("/").at(-1)!;
      if (id === reworded || id === kept) mark("W3C page", id, item["mg:stale"]);
    }
    for (const h of (await d.author.get(`${article}/highlights`)).body.highlights as Array<{ id: string; stale?: boolean }>) if (h.id === reworded || h.id === kept) mark("highlights", h.id, h.stale);
    for (const [path, seen] of marks) {
      expect(seen.map(([id]) => id).sort(), path).toEqual([reworded, kept].sort());
      for (const [id, stale, expected] of seen) expect(stale, `${path}: ${id === reworded ? "the stale verdict" : "the current one"}`).toBe(expected);
    }
    expect([...marks.keys()]).toHaveLength(7);
    await d.hook.close();
  }, 60_000);

  it("goes stale, and is told of, when its claim holds a NUL (written over a socket, where no 400 can answer): the correction still lands", async () => {
    const d = await desk(0);
    const context = contextFor({ kind: "group", articleId: d.article.id }, d.group.id, 1);
    await t.hub.change(context, { userId: d.author.user.id }, (doc) => {
      const factcheck = annotationsOf(doc).get(d.ids.reworded)!.get("factcheck") as Record<string, unknown>;
      updateAnnotation(doc, d.ids.reworded, { factcheck: { ...factcheck, claim: "About\u0000 sanctions" } as never });
    });
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" });
    expect(put.status).toBe(201);
    expect((await d.author.get(`/api/annotations/${d.ids.reworded}`)).body).toMatchObject({ stale: true, target: { revision: 2 } });
    expect((await d.author.get(`/api/annotations/${d.ids.kept}`)).body).toMatchObject({ stale: false, target: { revision: 2 } });
    const notes = (await d.author.get("/api/me/notifications")).body.notifications as Array<{ kind: string; annotationId: string; data: { claim: string } }>;
    expect(notes.find((n) => n.kind === "stale" && n.annotationId === d.ids.reworded)?.data.claim).toBe("About\uFFFD sanctions");
  });

  it("is current again once its author or a moderator confirms it against the new text (logged), or once its verdict is revised", async () => {
    const d = await desk(0);
    await d.owner.put(`/api/articles/${d.article.id}/text`, SEED_CORRECTION, { "content-type": "text/plain" });
    const confirm = (who: typeof d.author, id: string) => who.post(`/api/annotations/${id}/confirm`);

    // A plain member who did not write it may not; nor may anyone confirm a current verdict or an orphan.
    expect((await confirm(d.bystander, d.ids.reworded)).status).toBe(403);
    expect((await confirm(d.author, d.ids.kept)).status).toBe(409);
    expect((await confirm(d.author, d.ids.deleted)).status).toBe(409);

    const confirmed = await confirm(d.author, d.ids.reworded);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ stale: false, staleness: null, factcheck: { verdict: "false" } });
    expect((await confirm(d.author, d.ids.reworded)).status).toBe(409);
    const log = (await d.moderator.get(`/api/groups/${d.group.id}/moderation/log`)).body.entries as Array<{ action: string; annotationId: string }>;
    expect(log.filter((e) => e.action === "confirm").map((e) => e.annotationId)).toEqual([d.ids.reworded]);
    expect(await exportOf(d.author, d.article.id, "claimreview")).toContain(d.ids.reworded);

    // A moderator confirms someone else's orphan once it is re-attached to the new text.
    const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
    const at = new CodePointIndex(text).toCodePoint(text.indexOf("close ties"));
    expect((await d.moderator.post(`/api/annotations/${d.ids.deleted}/reattach`, { start: at, end: at + 10 })).body).toMatchObject({ stale: true, staleness: { newQuote: "close ties" } });
    expect((await confirm(d.moderator, d.ids.deleted)).body).toMatchObject({ stale: false });

    // Revising the verdict judges the passage as it now reads.
    const revised = await d.moderator.patch(`/api/annotations/${d.ids.moderators}`, {
      factcheck: { claim: "About the sanctions", verdict: "mostly-false", sources: [{ url: "https://example.org/source" }] },
    });
    expect(revised.status).toBe(200);
    expect(revised.body).toMatchObject({ stale: false, staleness: null });

    // And a later revision that changes the confirmed passage again makes it stale again, judged at revision 2.
    const again = await d.owner.put(`/api/articles/${d.article.id}/text`, text.replace("tougher sanctions", "the toughest sanctions"), { "content-type": "text/plain" });
    expect(again.body.revision).toBe(3);
    expect((await d.author.get(`/api/annotations/${d.ids.reworded}`)).body).toMatchObject({ stale: true, staleness: { judgedRevision: 2, revision: 3 } });
    await d.hook.close();
  }, 60_000);
});
