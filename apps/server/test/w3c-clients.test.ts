import { readAnnotations } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LD, PREFER, assertW3CAnnotation, comment, container, position, quote, textOf, w3cRequests } from "./support/w3c.ts";
import { type TestApp, createTestApp, signUp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "./support/sync-client.ts";
import { checkedFetch } from "./support/openapi.ts";

let t: TestApp;
let url: string;
const clients: SyncClient[] = [];
beforeAll(async () => {
  t = await createTestApp();
  // IRIs are minted from the public origin, which listen() points at the real server.
  url = await t.listen();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await t.close();
});

const { pathOf, postW3C, putW3C, walk } = w3cRequests(() => url);

describe("a client that knows only the W3C protocol", () => {
  it("posts with plain fetch and an API token, and the annotation appears live in the group's document", async () => {
    const { article, members } = await articleWithMembers(t.app, ["annotator", "viewer"]);
    const [author, reader] = members as [(typeof members)[0], (typeof members)[0]];
    const token = (await author.post("/api/tokens", { name: "w3c client" })).body.token as string;
    const phrase = "Russia-Iran deepening ties";
    const text = (await reader.get(`/api/articles/${article.id}`)).body.text as string;
    const start = Array.from(text.slice(0, text.indexOf(phrase))).length;
    const watcher = openSyncClient(url, article.sync.room, reader.token);
    clients.push(watcher);
    await watcher.synced;

    const res = await checkedFetch(`${url}/w3c/articles/${article.id}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": LD, accept: LD },
      body: JSON.stringify({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        type: "Annotation",
        motivation: "commenting",
        body: { type: "TextualBody", value: "Since when?", format: "text/plain" },
        target: {
          source: `${url}/articles/${article.id}`,
          selector: [quote(phrase), position(start, start + phrase.length)],
        },
      }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string };
    assertW3CAnnotation(created);
    expect(res.headers.get("location")).toBe(created.id);
    const id = created.id.split("/").at(-1);
    await eventually(() => {
      const live = readAnnotations(watcher.doc).find((a) => a.id === id);
      expect(live).toMatchObject({ kind: "comment", body: "Since when?", authorId: author.user.id, target: { start, end: start + phrase.length, exact: phrase } });
    }, 2_000);

    const read = await checkedFetch(created.id, { headers: { authorization: `Bearer ${token}`, accept: LD } });
    expect(read.status).toBe(200);
    expect(read.headers.get("etag")).toBe(res.headers.get("etag"));
  });
});

describe("bad requests", () => {
  it("answers 400, 415 and field-named 400s", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const notJson = await owner.request("POST", container(article.id), "{not json", { "content-type": LD });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("bad_request");
    const wrongType = await owner.request("POST", container(article.id), JSON.stringify(comment("x", quote("Hamid"))), { "content-type": "text/plain" });
    expect(wrongType.status).toBe(415);
    const plainJson = await postW3C(owner, article.id, comment("json is fine", quote("Hamid")), { "content-type": "application/json" });
    expect(plainJson.status).toBe(201);

    const motivation = await postW3C(owner, article.id, comment("x", quote("Hamid"), { motivation: "bookmarking" }));
    expect(motivation.status).toBe(400);
    expect(motivation.body.error.field).toBe("motivation");
    const backwards = await postW3C(owner, article.id, comment("x", [quote("Hamid"), position(5, 0)]));
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.field).toBe("target.selector.1.end");
    const nowhere = await postW3C(owner, article.id, comment("x", quote("words the article never says")));
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error.field).toBe("target");
    const pastEnd = await postW3C(owner, article.id, comment("x", position(0, 10_000_000)));
    expect(pastEnd.body.error.field).toBe("target");
    const noTarget = await postW3C(owner, article.id, { ...comment("x", quote("Hamid")), target: undefined });
    expect(noTarget.body.error).toMatchObject({ field: "target", message: "target: an annotation needs one or more targets" });
    const notAnnotation = await postW3C(owner, article.id, { ...comment("x", quote("Hamid")), type: "Note" });
    expect(notAnnotation.body.error.field).toBe("type");
    // A canonical IRI every other client is served must not be a script.
    const scripted = await postW3C(owner, article.id, comment("x", quote("Hamid"), { canonical: "javascript:alert(1)" }));
    expect(scripted.status).toBe(400);
    expect(scripted.body.error.field).toBe("canonical");
    // Nor hold a control character (RFC 3987, section 2.2), C0, DEL or C1.
    for (const c of ["\u0001", "\u007f", "\u0085"]) {
      const controlled = await postW3C(owner, article.id, comment("x", quote("Hamid"), { canonical: `urn:uuid:${c}1` }));
      expect([controlled.status, controlled.body.error.field]).toEqual([400, "canonical"]);
    }
    expect((await owner.get(container(article.id))).body.total).toBe(1);
  });
});

describe("access", () => {
  it("keeps viewers from writing, outsiders out, and private annotations private", async () => {
    const { article, members, owner, group } = await articleWithMembers(t.app, ["viewer", "annotator", "annotator"]);
    const [viewer, alice, bob] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    const denied = await postW3C(viewer, article.id, comment("x", quote("Hamid")));
    expect(denied.status).toBe(403);

    const mine = await postW3C(alice, article.id, comment("just for me", quote("Hamid"), { "mg:visibility": "private" }));
    expect(mine.status).toBe(201);
    expect(mine.body["mg:visibility"]).toBe("private");
    const shared = await postW3C(alice, article.id, comment("for all", quote("Bahrami")));

    const stranger = await signUp(t.app);
    expect((await stranger.get(container(article.id))).status).toBe(404);
    expect((await stranger.get(pathOf(shared.body.id))).status).toBe(404);
    expect((await postW3C(stranger, article.id, comment("x", quote("Hamid")))).status).toBe(404);

    for (const [who, total] of [[bob, 1], [owner, 1], [alice, 2]] as const) {
      const top = await who.get(container(article.id));
      expect(top.body.total).toBe(total);
      const { ids } = await walk(who, `${url}${container(article.id)}?page=0`);
      expect(ids.includes(mine.body.id)).toBe(who === alice);
      const iris = await who.get(container(article.id), { prefer: PREFER("http://www.w3.org/ns/oa#PreferContainedIRIs") });
      expect(iris.body.first.items.includes(mine.body.id)).toBe(who === alice);
    }
    expect((await bob.get(pathOf(mine.body.id))).status).toBe(404);
    expect((await putW3C(bob, shared.body.id, { ...shared.body, body: { type: "TextualBody", value: "hijack" } }, { "if-match": shared.headers.get("etag")! })).status).toBe(403);
    expect((await viewer.request("PUT", pathOf(shared.body.id), JSON.stringify(shared.body), { "content-type": LD, "if-match": shared.headers.get("etag")! })).status).toBe(403);

    // A moderator's PUT that changes only the status is a moderation, which the rules allow.
    const hidden = await putW3C(owner, shared.body.id, { ...shared.body, "mg:status": "hidden" }, { "if-match": shared.headers.get("etag")! });
    expect(hidden.status).toBe(200);
    expect(hidden.body["mg:status"]).toBe("hidden");
    expect((await bob.get(container(article.id))).body.total).toBe(0);

    // An annotation is found only in its own article's container.
    const other = await owner.post(`/api/groups/${group.id}/articles`, "Another article\n\nWith other text.", { "content-type": "text/plain" });
    expect((await alice.get(`/w3c/articles/${other.body.id}/${mine.body.id.split("/").at(-1)}`)).status).toBe(404);
  });
});

describe("Unicode offsets", () => {
  it("counts code points after the Arabic combining mark in the seed article", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const text = await textOf(owner, article.id);
    const mark = text.indexOf("\u064F");
    expect(mark).toBeGreaterThan(0);
    const start = mark + 1;
    const exact = text.slice(start, start + 25).join("");
    expect(exact).toMatch(/^The West should raise/);
    const byPosition = await postW3C(owner, article.id, comment("after the damma", position(start, start + 25)));
    expect(byPosition.body.target.selector).toEqual([
      expect.objectContaining({ type: "TextQuoteSelector", exact }),
      { type: "TextPositionSelector", start, end: start + 25 },
    ]);
    const byQuote = await postW3C(owner, article.id, comment("same, by quote", quote(exact)));
    expect(byQuote.body.target.selector[1]).toEqual({ type: "TextPositionSelector", start, end: start + 25 });
    const again = await owner.get(pathOf(byQuote.body.id));
    expect(again.body.target.selector[1]).toEqual({ type: "TextPositionSelector", start, end: start + 25 });
  });

  it("turns a quote found after astral characters into code point offsets", async () => {
    const { owner, group } = await articleWithMembers(t.app, []);
    const imported = await owner.post(`/api/groups/${group.id}/articles`, "Emoji test\n\nWaves 👋🏽 and flags 🇮🇷 come before the quoted words here.", { "content-type": "text/plain" });
    expect(imported.status).toBe(201);
    const raw = imported.body.text as string;
    const start = Array.from(raw.slice(0, raw.indexOf("quoted words"))).length;
    // The two counts differ here, so the test tells code points from UTF-16 units.
    expect(start).toBeLessThan(raw.indexOf("quoted words"));
    const res = await postW3C(owner, imported.body.id, comment("emoji", quote("quoted words")));
    expect(res.status).toBe(201);
    expect(res.body.target.selector[1]).toEqual({ type: "TextPositionSelector", start, end: start + 12 });
    const byPosition = await postW3C(owner, imported.body.id, comment("emoji 2", position(start, start + 12)));
    expect(byPosition.body.target.selector[0].exact).toBe("quoted words");
  });
});
