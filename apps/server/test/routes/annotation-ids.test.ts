import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("client-chosen annotation ids", () => {
  it("takes one id once even when sent into the group's and the private document at once", async () => {
    const d = await articleWithMembers(t.app, ["annotator"]);
    const author = d.members[0] as unknown as TestClient;
    for (let round = 0; round < 6; round++) {
      const id = `dup-${randomUUID()}`;
      const post = (visibility: "group" | "private") =>
        author.post(`/api/articles/${d.article.id}/annotations`, { id, kind: "comment", body: `${visibility} copy`, visibility });
      const answers = await Promise.all([post("group"), post("private"), post("group"), post("private")]);
      expect(answers.map((a) => a.status).sort(), `round ${round}`).toEqual([201, 409, 409, 409]);
      const kept = answers.find((a) => a.status === 201)!.body as { visibility: string };
      const read = await author.get(`/api/annotations/${id}`);
      expect([read.status, read.body.visibility]).toEqual([200, kept.visibility]);
    }
  }, 60_000);
});
