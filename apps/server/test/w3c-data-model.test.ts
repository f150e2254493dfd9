import { describe, expect, it } from "vitest";
import { ARTICLE, comment, container, listeningW3CServer, position, quote, textOf } from "./support/w3c.ts";
import { articleWithMembers } from "./support/article.ts";

// Shapes the Data Model allows for what the container stores, sent by W3C clients other than ours.

const server = listeningW3CServer();
const { postW3C, putW3C } = server;
const range = (startSelector: unknown, endSelector: unknown) => ({ type: "RangeSelector", startSelector, endSelector });

describe("what a W3C client may send", () => {
  it("takes the article named as a node with an id, and a type given as an array of one", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    for (const source of [{ id: ARTICLE }, { id: ARTICLE, type: "Text" }]) {
      const res = await postW3C(owner, article.id, { ...comment("on the name", null), target: { source, selector: quote("Bahrami") } });
      expect(res.status, JSON.stringify(source)).toBe(201);
      expect(res.body.target.selector[1]).toEqual(position(6, 13));
    }
    const arrays = await postW3C(owner, article.id, {
      ...comment("typed", { type: ["TextQuoteSelector"], exact: "Hamid" }),
      body: { type: ["TextualBody"], value: "typed" },
    });
    expect(arrays.status).toBe(201);
    expect(arrays.body).toMatchObject({ body: { value: "typed" }, target: { selector: [{ exact: "Hamid" }, position(0, 5)] } });
    const elsewhere = await postW3C(owner, article.id, { ...comment("x", quote("Hamid")), target: { source: { id: "http://www.example.com/index.html" }, selector: quote("Hamid") } });
    expect([elsewhere.status, elsewhere.body.error.field]).toEqual([400, "target.source.id"]);
  });

  it("refuses a string body, the IRI of an external one, and stores nothing; bodyValue stays text", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const res = await postW3C(owner, article.id, { ...comment("", quote("Hamid")), body: "http://example.org/comment1" });
    expect([res.status, res.body.error.code, res.body.error.field]).toEqual([400, "validation_failed", "body"]);
    expect(res.body.error.message).toMatch(/external body/);
    expect((await owner.get(container(article.id))).body.total).toBe(0);
    const { body: _, ...noBody } = comment("", quote("Hamid"));
    const value = await postW3C(owner, article.id, { ...noBody, bodyValue: "http://example.org/comment1" });
    expect(value.status).toBe(201);
    expect(value.body.body).toMatchObject({ type: "TextualBody", value: "http://example.org/comment1" });
  });

  it("stores a RangeSelector's span, from its start selector up to where its end selector begins", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const text = await textOf(owner, article.id);
    const at = (s: string) => text.join("").indexOf(s);
    const end = at("How to counter");
    const created = await postW3C(owner, article.id, comment("the byline", range(position(0, 5), quote("How", { suffix: " to counter" }))));
    expect(created.status).toBe(201);
    const spanned = text.slice(0, end).join("");
    expect(created.body.target.selector).toEqual([quote(spanned, { suffix: expect.any(String) }), position(0, end)]);
    const positions = await postW3C(owner, article.id, comment("by positions", range(position(6, 7), position(13, 13))));
    expect(positions.body.target.selector[0].exact).toBe("Bahrami");

    // Sent again in a PUT, the range names the same span: the target is kept as it is.
    const etag = created.headers.get("etag")!;
    const same = await putW3C(owner, created.body.id, { ...created.body, target: { source: ARTICLE, selector: range(position(0, 5), quote("How", { suffix: " to counter" })) } }, { "if-match": etag });
    expect([same.status, same.headers.get("etag")]).toEqual([200, etag]);
    const moved = await putW3C(owner, created.body.id, { ...created.body, target: { source: ARTICLE, selector: range(position(6, 7), position(13, 13)) } }, { "if-match": etag });
    expect([moved.status, moved.body.target.selector[1]]).toEqual([200, position(6, 13)]);

    for (const selector of [range(quote("Bahrami"), quote("Hamid")), range(quote("Hamid"), quote("Hamid")), range(quote("Hamid"), quote("absent words"))]) {
      const res = await postW3C(owner, article.id, comment("bad range", selector));
      expect([res.status, res.body.error.field], JSON.stringify(selector)).toEqual([400, "target.selector"]);
    }
    expect((await owner.get(container(article.id))).body.total).toBe(2);
  });

  it("keeps neither the keys it does not store nor a creator other than the caller", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const extra = { creator: { id: "https://elsewhere.example/someone", type: "Person" }, generator: { id: "https://client.example/" }, rights: "https://creativecommons.org/licenses/by/4.0/", audience: { type: "schema:Audience" }, stylesheet: { type: "CssStylesheet", value: ".red {}" } };
    const res = await postW3C(owner, article.id, { ...comment("mine", quote("Hamid")), ...extra });
    expect(res.status).toBe(201);
    expect(res.body.creator.id).toBe(`${server.url}/users/${owner.user.id}`);
    for (const key of ["generator", "rights", "audience", "stylesheet"]) expect(res.body).not.toHaveProperty(key);
  });

  it("says a FragmentSelector, and a selector refining it, is not supported", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const res = await postW3C(owner, article.id, comment("x", { type: "FragmentSelector", value: "para1", refinedBy: quote("Hamid") }));
    expect([res.status, res.body.error.field]).toEqual([400, "target.selector"]);
    expect(res.body.error.message).toMatch(/FragmentSelector is not supported/);
  });
});
