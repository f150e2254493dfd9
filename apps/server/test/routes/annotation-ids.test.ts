import { randomUUID } from "node:crypto";
import { createAnnotation } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, type TestClient, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { eventually, openSyncClient } from "../support/sync-client.ts";

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

  it("refuses a live creation in the group's document under the id of its author's private note, and keeps the note", async () => {
    const url = await t.listen();
    const d = await articleWithMembers(t.app, ["annotator"]);
    const author = d.members[0]!;
    const id = `dup-${randomUUID()}`;
    const posted = await (author as unknown as TestClient).post(`/api/articles/${d.article.id}/annotations`, { id, kind: "comment", body: "my private note", visibility: "private" });
    expect(posted.status).toBe(201);
    const socket = openSyncClient(url, d.article.sync.room, author.token, { acks: true });
    try {
      await socket.synced;
      createAnnotation(socket.doc, { id, kind: "comment", authorId: author.user.id, body: "the same id in the group" });
      // Taken back from the group's document, as an id of another author's would be, and its writer closed.
      await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
      const read = await (author as unknown as TestClient).get(`/api/annotations/${id}`);
      expect([read.status, read.body.visibility, read.body.body]).toEqual([200, "private", "my private note"]);
    } finally {
      socket.destroy();
    }
  }, 30_000);
});
