
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANNO, ARTICLE, LD, PREFER, assertW3CAnnotation, assertW3CCollection, assertW3CPage, comment, container, position, quote, textOf, w3cRequests } from "./support/w3c.ts";
import { type TestApp, createTestApp, } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { type SyncClient, } from "./support/sync-client.ts";

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

describe("the container", () => {
  it("describes itself as a Basic Container and Annotation Collection, with the protocol's headers", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    for (const [i, word] of ["Hamid", "Bahrami"].entries()) {
      await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: `note ${i}`, tags: ["t"], target: { revision: 1, exact: word, prefix: "", suffix: "", start: i * 6, end: i * 6 + word.length } });
    }
    const res = await owner.get(container(article.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(LD);
    const link = res.headers.get("link")!;
    expect(link).toContain('<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"');
    expect(link).toContain('<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"');
    expect(res.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
    expect(res.headers.get("accept-post")).toBe(LD);
    expect(res.headers.get("vary")).toBe("Accept, Prefer");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    assertW3CCollection(res.body);
    expect(res.body).toMatchObject({ id: `${url}/w3c/articles/${article.id}/`, type: ["BasicContainer", "AnnotationCollection"], total: 2 });
    expect(res.body["@context"][0]).toBe(ANNO);
    // Contained descriptions by default: the first page is embedded, with whole annotations in text order.
    expect(res.body.first.items.map((a: { body: { value: string }[] }) => a.body[0]!.value)).toEqual(["note 0", "note 1"]);
    expect(res.body.first.partOf).toBe(res.body.id);
    expect(res.body.last).toBe(`${res.body.id}?page=last`);

    // The container's IRI ends in a slash (protocol §4): the path without it is not a second container.
    const bare = await owner.get(`/w3c/articles/${article.id}`);
    expect([bare.status, bare.headers.get("location")]).toEqual([308, res.body.id]);
    const cached = await owner.get(container(article.id), { "if-none-match": res.headers.get("etag")! });
    expect(cached.status).toBe(304);
    const head = await owner.request("HEAD", container(article.id));
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect(head.headers.get("etag")).toBe(res.headers.get("etag"));
    expect(head.headers.get("link")).toBe(link);
    const options = await owner.request("OPTIONS", container(article.id));
    expect(options.status).toBe(200);
    expect(options.headers.get("allow")).toBe("GET, POST, HEAD, OPTIONS");
    expect(options.headers.get("accept-post")).toBe(LD);

    // The container's ETag follows its contents.
    await owner.post(`/api/articles/${article.id}/annotations`, { kind: "highlight" });
    expect((await owner.get(container(article.id), { "if-none-match": res.headers.get("etag")! })).status).toBe(200);
  });

  it("honours Prefer: contained IRIs, contained descriptions and a minimal container", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("one", quote("Hamid")));
    const iris = await owner.get(container(article.id), { prefer: PREFER("http://www.w3.org/ns/oa#PreferContainedIRIs") });
    assertW3CCollection(iris.body);
    expect(iris.headers.get("preference-applied")).toBe("return=representation");
    expect(iris.body.first.items).toEqual([created.body.id]);
    expect(iris.body.first.id).toContain("iris=1");
    const page = await owner.get(pathOf(iris.body.first.id));
    assertW3CPage(page.body);
    expect(page.body.items).toEqual([created.body.id]);

    const descriptions = await owner.get(container(article.id), { prefer: PREFER("http://www.w3.org/ns/oa#PreferContainedDescriptions") });
    expect(descriptions.body.first.items[0]).toMatchObject({ id: created.body.id, type: "Annotation" });
    expect(descriptions.headers.get("etag")).not.toBe(iris.headers.get("etag"));

    const minimal = await owner.get(container(article.id), {
      prefer: PREFER("http://www.w3.org/ns/ldp#PreferMinimalContainer http://www.w3.org/ns/oa#PreferContainedIRIs"),
    });
    assertW3CCollection(minimal.body);
    expect(minimal.body).toMatchObject({ total: 1, first: expect.stringContaining("page=0"), last: expect.stringContaining("page=last") });
    // An empty container links no page, and has none to fetch.
    const empty = await articleWithMembers(t.app, []);
    expect((await empty.owner.get(`/w3c/articles/${empty.article.id}/?page=0`)).status).toBe(404);
    // A page is read-only, and says so the same way to OPTIONS, GET and POST.
    const pageIri = `/w3c/articles/${article.id}/?page=0`;
    const posted = await owner.request("POST", pageIri, JSON.stringify(comment("on a page", quote("Hamid"))), { "content-type": "application/ld+json" });
    expect([posted.status, posted.headers.get("allow")]).toEqual([405, "GET, HEAD, OPTIONS"]);
    expect((await owner.request("OPTIONS", pageIri)).headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("pages through more annotations than fit one page, in text order, without repeats", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const text = await textOf(owner, article.id);
    const iris: string[] = [];
    for (let i = 4; i >= 0; i--) {
      const res = await postW3C(owner, article.id, comment(`c${i}`, position(i * 10, i * 10 + 4)));
      expect(res.status).toBe(201);
      expect(res.body.target.selector[0].exact).toBe(text.slice(i * 10, i * 10 + 4).join(""));
      iris.unshift(res.body.id);
    }
    const top = await owner.get(`${container(article.id)}?limit=2`);
    assertW3CCollection(top.body);
    expect(top.body.total).toBe(5);
    expect(top.body.first.items).toHaveLength(2);
    const { ids, pages } = await walk(owner, top.body.first.id);
    expect(ids).toEqual(iris);
    expect(pages.map((p) => p.body.startIndex)).toEqual([0, 2, 4]);
    expect(pages.map((p) => p.body.items.length)).toEqual([2, 2, 1]);
    expect(pages[1]!.body.partOf).toMatchObject({ id: top.body.id, total: 5 });
    // Keyset pages (docs/w3c.md, "Pages"): prev reads back from a page's first item; last is read from the end.
    expect((await owner.get(pathOf(pages[1]!.body.prev))).body.items.map((i: { id: string }) => i.id)).toEqual(iris.slice(0, 2));
    expect(pages[2]!.body.next).toBeUndefined();
    const last = await owner.get(pathOf(top.body.last));
    expect(last.body.items.map((i: { id: string }) => i.id)).toEqual(iris.slice(3));
    expect((await owner.get(`${container(article.id)}?limit=2&page=3`)).status).toBe(404);
    expect((await owner.get(`${container(article.id)}?limit=500`)).status).toBe(400);
  });
});

describe("content negotiation", () => {
  it("answers 406 to an Accept naming only what it cannot produce, before creating or changing anything", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("first", quote("Hamid")));
    const page = `${container(article.id)}?page=0`;
    for (const path of [container(article.id), page, pathOf(created.body.id)]) {
      for (const accept of ["text/turtle", "text/html, application/xml;q=0.9", "application/ld+json;q=0"]) {
        const res = await owner.get(path, { accept });
        expect([res.status, res.body.error?.code], `${path} ${accept}`).toEqual([406, "not_acceptable"]);
      }
      const ld = await owner.get(path);
      for (const accept of ["*/*", "application/*", "application/ld+json", LD, "application/json, */*", "application/json", "text/turtle, application/json;q=0.5"]) {
        const res = await owner.get(path, { accept });
        expect([res.status, res.headers.get("content-type")], `${path} ${accept}`).toEqual([200, LD]);
      }
      // A client that refuses JSON-LD, or weighs JSON higher, gets the same bytes labelled as what it takes.
      for (const accept of ["application/ld+json;q=0, */*", "application/ld+json;q=0, application/*", "application/json, application/ld+json;q=0.5"]) {
        const res = await owner.get(path, { accept });
        expect([res.status, res.headers.get("content-type")], `${path} ${accept}`).toEqual([200, "application/json"]);
        expect(res.headers.get("vary"), `${path} ${accept}`).toMatch(/\bAccept\b/);
        expect(res.body).toEqual(ld.body);
        // Another representation, so another validator: a cache holding both must not swap them.
        expect(res.headers.get("etag")).not.toBe(ld.headers.get("etag"));
        expect((await owner.get(path, { accept, "if-none-match": ld.headers.get("etag")! })).status).toBe(200);
        expect((await owner.get(path, { accept, "if-none-match": res.headers.get("etag")! })).status).toBe(304);
      }
      expect((await owner.request("HEAD", path, undefined, { accept: "text/turtle" })).status).toBe(406);
    }
    const posted = await postW3C(owner, article.id, comment("second", quote("Bahrami")), { accept: "text/turtle" });
    expect([posted.status, posted.body.error?.code]).toEqual([406, "not_acceptable"]);
    const etag = (await owner.get(pathOf(created.body.id))).headers.get("etag")!;
    const put = await putW3C(owner, created.body.id, { ...created.body, body: { type: "TextualBody", value: "changed" } }, { "if-match": etag, accept: "text/turtle" });
    expect([put.status, put.body.error?.code]).toEqual([406, "not_acceptable"]);
    const after = await owner.get(container(article.id));
    expect(after.body.total).toBe(1);
    expect(after.body.first.items[0].body.value).toBe("first");
    // Either label's tag names the annotation as it is, so an edit read as plain JSON can be sent back.
    const jsonOnly = "application/ld+json;q=0, application/json";
    const plain = await owner.get(pathOf(created.body.id), { accept: jsonOnly });
    const edit = await putW3C(owner, created.body.id, { ...plain.body, body: { type: "TextualBody", value: "edited" } }, { "if-match": plain.headers.get("etag")!, accept: jsonOnly });
    expect([edit.status, edit.headers.get("content-type")]).toEqual([200, "application/json"]);
    expect(edit.body.body.value).toBe("edited");
  });
});

describe("one annotation", () => {
  it("is created with 201, a Location and an ETag, and read back the same", async () => {
    const { article, members } = await articleWithMembers(t.app, ["annotator"]);
    const [author] = members as [(typeof members)[0]];
    const res = await postW3C(author, article.id, comment("Who is he?", [quote("Bahrami", { prefix: "Hamid " }), position(6, 13)]));
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(res.body.id);
    expect(res.body.id).toMatch(new RegExp(`^${url}/w3c/articles/${article.id}/[A-Za-z0-9_-]+$`));
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.body).toMatchObject({
      motivation: "commenting",
      creator: { id: `${url}/users/${author.user.id}`, type: "Person", name: author.user.name },
      body: { type: "TextualBody", value: "Who is he?", purpose: "commenting" },
      target: { source: `${url}/articles/${article.id}`, selector: [{ exact: "Bahrami", prefix: "Hamid " }, { start: 6, end: 13 }] },
    });

    const got = await author.get(pathOf(res.body.id));
    expect(got.status).toBe(200);
    assertW3CAnnotation(got.body);
    expect(got.body).toEqual(res.body);
    expect(got.headers.get("etag")).toBe(res.headers.get("etag"));
    expect(got.headers.get("content-type")).toBe(LD);
    expect(got.headers.get("link")).toContain('<http://www.w3.org/ns/oa#Annotation>; rel="type"');
    expect(got.headers.get("allow")).toBe("PUT, GET, OPTIONS, HEAD, DELETE");
    expect((await author.get(pathOf(res.body.id), { "if-none-match": got.headers.get("etag")! })).status).toBe(304);

    // The REST API sees the same annotation: there is one write path.
    const id = res.body.id.split("/").at(-1);
    const rest = await author.get(`/api/annotations/${id}`);
    expect(rest.body).toMatchObject({ kind: "comment", body: "Who is he?", target: { revision: 1, start: 6, end: 13, exact: "Bahrami" } });
  });

  it("lets one of several PUTs sent at once with the same If-Match through, and answers the others 412", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("first", quote("Hamid")));
    const etag = created.headers.get("etag")!;
    const edits = ["one", "two", "three"].map((value) => putW3C(owner, created.body.id, { ...created.body, body: [{ type: "TextualBody", value }] }, { "if-match": etag }));
    const answers = await Promise.all(edits);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    const now = await owner.get(pathOf(created.body.id));
    expect(now.body.body).toEqual(winner.body.body);
    // HEAD revalidates as GET does (RFC 9110, 13.1.2).
    const head = await owner.request("HEAD", pathOf(created.body.id), undefined, { "if-none-match": now.headers.get("etag")! });
    expect(head.status).toBe(304);
  });

  it("is replaced by PUT only with a matching If-Match, and its ETag moves", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("first", quote("Hamid")));
    const etag = created.headers.get("etag")!;
    const edited = { ...created.body, body: [{ type: "TextualBody", value: "second" }, { type: "TextualBody", value: "bio", purpose: "tagging" }] };

    const missing = await putW3C(owner, created.body.id, edited);
    expect([missing.status, missing.body.error.code]).toEqual([428, "precondition_required"]);
    expect(missing.body.error.message).toMatch(/If-Match/);
    const put = await putW3C(owner, created.body.id, edited, { "if-match": etag });
    expect(put.status).toBe(200);
    assertW3CAnnotation(put.body);
    expect(put.body.body).toEqual([
      { type: "TextualBody", value: "second", format: "text/plain", purpose: "commenting" },
      { type: "TextualBody", value: "bio", purpose: "tagging" },
    ]);
    expect(put.body.target).toEqual(created.body.target);
    expect(put.headers.get("etag")).not.toBe(etag);
    expect((await owner.get(pathOf(created.body.id))).headers.get("etag")).toBe(put.headers.get("etag"));

    const stale = await putW3C(owner, created.body.id, { ...edited, body: { type: "TextualBody", value: "third" } }, { "if-match": etag });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("precondition_failed");
    const kind = await putW3C(owner, created.body.id, { ...put.body, motivation: "highlighting" }, { "if-match": put.headers.get("etag")! });
    expect(kind.status).toBe(400);
    expect(kind.body.error.field).toBe("motivation");
    // A new selector moves the target, resolved against the article's text.
    const moved = await putW3C(owner, created.body.id, { ...put.body, target: { source: ARTICLE, selector: quote("Bahrami") } }, { "if-match": put.headers.get("etag")! });
    expect(moved.status).toBe(200);
    expect(moved.body.target.selector[1]).toEqual({ type: "TextPositionSelector", start: 6, end: 13 });
  });

  it("is modified when its text is edited, not when it is resolved or retagged, and so is its container", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("first", quote("Hamid")));
    const rest = `/api/annotations/${created.body.id.split("/").at(-1)}`;
    const createdAt = (await owner.get(rest)).body.createdAt;
    await new Promise((r) => setTimeout(r, 20));
    expect((await owner.post(`${rest}/resolve`)).status).toBe(200);
    expect((await owner.patch(rest, { tags: ["later"] })).status).toBe(200);
    const unedited = await owner.get(pathOf(created.body.id));
    expect(unedited.body.created).toBe(createdAt);
    expect(unedited.body).not.toHaveProperty("modified");
    expect((await owner.get(container(article.id))).body.modified).toBe(createdAt);

    const edited = await putW3C(owner, created.body.id, { ...unedited.body, body: [{ type: "TextualBody", value: "second thoughts" }, { type: "TextualBody", value: "later", purpose: "tagging" }] }, { "if-match": unedited.headers.get("etag")! });
    expect(edited.status).toBe(200);
    const editedAt = (await owner.get(rest)).body.editedAt;
    expect(editedAt).toEqual(expect.any(String));
    expect(edited.body.modified).toBe(editedAt);
    const after = await owner.get(container(article.id));
    expect(after.body.modified).toBe(editedAt);
    expect(after.body.first.items[0].modified).toBe(editedAt);
  });

  it("keeps a text body's language, canonical, served on the body and replaced by PUT; a bad tag is a 400 naming body.language", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const farsi = { type: "TextualBody", value: "او کیست؟", language: "FA-ir" };
    // A body too long is refused for its length, by name, not as a body of the wrong type.
    const long = await postW3C(owner, article.id, comment("", quote("Hamid"), { body: { type: "TextualBody", value: "v".repeat(20_001) } }));
    expect([long.status, long.body.error.field, long.body.error.message]).toEqual([400, "body.value", expect.stringContaining("at most 20000 characters")]);
    const created = await postW3C(owner, article.id, comment("", quote("Hamid"), { body: farsi }));
    expect(created.status).toBe(201);
    expect(created.body.body).toEqual({ type: "TextualBody", value: "او کیست؟", format: "text/plain", language: "fa-IR", purpose: "commenting" });
    const got = await owner.get(pathOf(created.body.id));
    expect(got.body.body.language).toBe("fa-IR");
    const rest = `/api/annotations/${created.body.id.split("/").at(-1)}`;
    expect((await owner.get(rest)).body.language).toBe("fa-IR");

    // A GET-edit-PUT keeps it; a PUT naming another replaces it, and one naming none clears it.
    let etag = got.headers.get("etag")!;
    const kept = await putW3C(owner, created.body.id, { ...got.body, body: { ...got.body.body, value: "او کیست؟ منبع؟" } }, { "if-match": etag });
    expect(kept.body.body.language).toBe("fa-IR");
    etag = kept.headers.get("etag")!;
    const arabic = await putW3C(owner, created.body.id, { ...kept.body, body: [{ type: "TextualBody", value: "من هو؟", language: ["ar"] }, { type: "TextualBody", value: "x", purpose: "tagging", language: "en" }] }, { "if-match": etag });
    expect(arabic.status).toBe(200);
    expect(arabic.body.body[0].language).toBe("ar");
    expect(arabic.body.body[1]).not.toHaveProperty("language");
    const cleared = await putW3C(owner, created.body.id, { ...arabic.body, body: { type: "TextualBody", value: "who?" } }, { "if-match": arabic.headers.get("etag")! });
    expect(cleared.body.body).not.toHaveProperty("language");
    expect((await owner.get(rest)).body.language).toBeNull();

    for (const [body, field] of [
      [{ ...farsi, language: "en_US" }, "body.language"],
      [{ ...farsi, language: ["fa", "ar"] }, "body.language"],
      [[{ type: "TextualBody", value: "x", purpose: "tagging" }, { ...farsi, language: 12 }], "body.1.language"],
      [[farsi, { type: "TextualBody", value: "and more", language: "en" }], "body.1.language"],
    ] as const) {
      const refused = await postW3C(owner, article.id, comment("", quote("Hamid"), { body }));
      expect([refused.status, refused.body.error.field]).toEqual([400, field]);
    }
    expect((await owner.get(container(article.id))).body.total).toBe(1);
  });

  it("is deleted with 204, and is then gone (410)", async () => {
    const { article, owner } = await articleWithMembers(t.app, []);
    const created = await postW3C(owner, article.id, comment("doomed", quote("Hamid")));
    expect((await owner.delete(pathOf(created.body.id), { "if-match": '"stale"' })).status).toBe(412);
    const del = await owner.delete(pathOf(created.body.id));
    expect(del.status).toBe(204);
    const after = await owner.get(pathOf(created.body.id));
    expect(after.status).toBe(410);
    expect(after.body.error.code).toBe("gone");
    expect((await owner.get(container(article.id))).body.total).toBe(0);
  });

  it("maps fact-checks, replies and highlights onto oa motivations, and back", async () => {
    const { article, members, owner } = await articleWithMembers(t.app, ["annotator"]);
    const [author] = members as [(typeof members)[0]];
    const check = await postW3C(author, article.id, {
      "@context": [ANNO, { mg: "https://marginalia.dev/ns/annotation#" }],
      type: "Annotation",
      motivation: "assessing",
      body: [{ type: "TextualBody", value: "The visit was in July 2022." }, { type: "TextualBody", value: "mostly-true", purpose: "classifying" }],
      target: { source: ARTICLE, selector: quote("Russian President visited Iran July 2022") },
      "mg:sources": [{ id: "https://example.org/visit", "mg:title": "The visit" }],
      "mg:confidence": 0.8,
    });
    expect(check.status).toBe(201);
    expect(check.body).toMatchObject({
      motivation: "assessing",
      body: [{ purpose: "assessing", value: "The visit was in July 2022." }, { purpose: "classifying", value: "mostly-true" }],
      "mg:verdict": "mostly-true",
      "mg:claim": "Russian President visited Iran July 2022",
      "mg:confidence": 0.8,
      "mg:sources": [{ id: "https://example.org/visit", "mg:title": "The visit" }],
      // An annotator's fact-check is submitted for a moderator's review (packages/schema/src/policy).
      "mg:status": "pending",
    });
    const verdictOnly = { ...check.body, body: [check.body.body[0], { type: "TextualBody", value: "misleading", purpose: "classifying" }], "mg:verdict": undefined };
    const changed = await putW3C(author, check.body.id, verdictOnly, { "if-match": check.headers.get("etag")! });
    expect(changed.status).toBe(200);
    expect(changed.body["mg:verdict"]).toBe("misleading");
    expect(changed.body["mg:sources"]).toEqual(check.body["mg:sources"]);

    const reply = await postW3C(owner, article.id, { "@context": ANNO, type: "Annotation", motivation: "replying", bodyValue: "Agreed", target: check.body.id });
    expect(reply.body.error).toBeUndefined();
    expect(reply.status).toBe(201);
    expect(reply.body.motivation).toBe("replying");
    // It answers the fact-check, and keeps the passage both discuss.
    expect(reply.body.target[0]).toBe(check.body.id);
    expect(reply.body.target[1].selector[0].exact).toBe("Russian President visited Iran July 2022");
    expect((await owner.get(`/api/annotations/${reply.body.id.split("/").at(-1)}`)).body.parentId).toBe(check.body.id.split("/").at(-1));
    // A reply to an annotation this container does not have is a bad target, not a missing page.
    const nowhere = check.body.id.replace(/[^/]+$/, crypto.randomUUID());
    const stray = await postW3C(owner, article.id, { "@context": ANNO, type: "Annotation", motivation: "replying", bodyValue: "Hm", target: nowhere });
    expect([stray.status, stray.body.error.field]).toEqual([400, "target"]);

    const highlight = await postW3C(author, article.id, { "@context": ANNO, type: "Annotation", motivation: "highlighting", target: { source: ARTICLE, selector: position(0, 5) } });
    expect(highlight.status).toBe(201);
    expect(highlight.body.body).toBeUndefined();
    expect(highlight.body.motivation).toBe("highlighting");
    // An empty range marks nothing, and its representation (an empty quote) is one this API refuses.
    const empty = await postW3C(author, article.id, { "@context": ANNO, type: "Annotation", motivation: "highlighting", target: { source: ARTICLE, selector: position(5, 5) } });
    expect(empty.status).toBe(400);
  });
});
