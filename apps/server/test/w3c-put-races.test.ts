import { updateAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import { comment, listeningW3CServer, quote } from "./support/w3c.ts";
import { articleWithMembers } from "./support/article.ts";

const server = listeningW3CServer();
const { pathOf, postW3C, putW3C } = server;

describe("a W3C PUT racing REST edits", () => {
  it("is refused (412) when a live edit lands between its If-Match check and its write, and the edit stands", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    const created = await postW3C(owner, article.id, comment("first", quote("Hamid")));
    const id = created.body.id.split("/").at(-1) as string;
    const etag = created.headers.get("etag")!;
    // The PUT has checked its If-Match against what it read; the next write to a document is the PUT's, and
    // a live edit (a socket's, or another process's) lands just before it. A REST PATCH cannot: it waits for
    // the PUT's turn (docs/architecture.md, "The policy").
    const change = server.t.hub.change.bind(server.t.hub);
    let edited = false;
    const spy = vi.spyOn(server.t.hub, "change").mockImplementation(async (...args) => {
      if (!edited) {
        edited = true;
        await change(args[0], { userId: null }, (doc) => updateAnnotation(doc, id, { body: "from a live edit" }));
      }
      return change(...args);
    });
    const put = await putW3C(owner, created.body.id, { ...created.body, body: [{ type: "TextualBody", value: "from W3C" }] }, { "if-match": etag });
    spy.mockRestore();
    expect(edited).toBe(true);
    expect([put.status, put.body.error?.code]).toEqual([412, "precondition_failed"]);
    expect((await owner.get(`/api/annotations/${id}`)).body.body).toBe("from a live edit");
    // Read again, its new ETag lets the edit through.
    const fresh = await owner.get(pathOf(created.body.id));
    const again = await putW3C(owner, created.body.id, { ...fresh.body, body: [{ type: "TextualBody", value: "from W3C" }] }, { "if-match": fresh.headers.get("etag")! });
    expect(again.status).toBe(200);
    expect((await owner.get(`/api/annotations/${id}`)).body.body).toBe("from W3C");
  });

  it("never overwrites a PATCH that answered 200 before it with a stale ETag, over many rounds", async () => {
    const { article, owner } = await articleWithMembers(server.t.app, []);
    for (let round = 0; round < 10; round++) {
      const created = await postW3C(owner, article.id, comment(`round ${round}`, quote("Hamid")));
      const id = created.body.id.split("/").at(-1) as string;
      const etag = created.headers.get("etag")!;
      const patches = [0, 1, 2].map((n) => owner.patch(`/api/annotations/${id}`, { body: `rest ${n}` }));
      const put = putW3C(owner, created.body.id, { ...created.body, body: [{ type: "TextualBody", value: "w3c" }] }, { "if-match": etag });
      const [answers, putAnswer] = [await Promise.all(patches), await put];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect([200, 412]).toContain(putAnswer.status);
      const final = (await owner.get(`/api/annotations/${id}`)).body.body;
      // The PUT read the annotation before any PATCH wrote: if it landed, no PATCH had.
      if (putAnswer.status === 200) expect(final).not.toBe("w3c");
      else expect(final).toMatch(/^rest \d$/);
    }
  });
});
