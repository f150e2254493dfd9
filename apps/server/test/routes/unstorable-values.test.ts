import { randomUUID } from "node:crypto";
import { createAnnotation } from "@marginalia/schema";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type * as Y from "yjs";
import type { TestClient } from "../support/app.ts";
import { liveServer } from "../support/live.ts";
import { articleWithMembers, seedTarget } from "../support/article.ts";
import { SETTLED } from "../support/settled.ts";
import { type SyncClient, openSyncClient } from "../support/sync-client.ts";

/**
 * One member's value must never cost the other members of a document their sockets: a value the database
 * could not hold used to fail the commit, and the hub reloaded the document and closed every socket on it.
 */
const live = liveServer();

const factcheck = (confidence: number, body = "a fact-check") => ({
  kind: "factcheck",
  body,
  visibility: "group",
  target: seedTarget(0, "the"),
  factcheck: { claim: "a claim", verdict: "false", sources: [], confidence },
});

async function watched() {
  const d = await articleWithMembers(live.t.app, ["annotator", "viewer"]);
  const [annotator, viewer] = d.members as unknown as [TestClient & { token: string; user: { id: string } }, TestClient & { token: string }];
  const sockets = [openSyncClient(live.url, d.article.sync.room, d.owner.token), openSyncClient(live.url, d.article.sync.room, viewer.token)];
  await Promise.all(sockets.map((s) => s.synced));
  return { d, annotator, sockets };
}

/** The owner's socket still writes, and what it writes is stored: its document was not reloaded. */
async function stillWrites(owner: SyncClient, ownerId: string, client: TestClient) {
  const id = createAnnotation(owner.doc, { kind: "comment", authorId: ownerId, body: "after" });
  await vi.waitFor(async () => expect((await client.get(`/api/annotations/${id}`)).status).toBe(200), SETTLED);
}

describe("values the projection stores", () => {
  it("stores a confidence as given, the smallest too, and no socket closes", async () => {
    const { d, annotator, sockets } = await watched();
    try {
      for (const confidence of [1e-300, 0.1, 5e-324]) {
        const posted = await annotator.post(`/api/articles/${d.article.id}/annotations`, factcheck(confidence));
        expect(posted.status, String(confidence)).toBe(201);
        const read = await annotator.get(`/api/annotations/${posted.body.id}`);
        expect(read.body.factcheck.confidence).toBe(confidence);
      }
      // And written live, by a socket of the annotator's own.
      const writer = openSyncClient(live.url, d.article.sync.room, annotator.token, { acks: true });
      try {
        await writer.synced;
        const factcheck = { claim: "a claim", verdict: "false" as const, sources: [], confidence: 1e-300 };
        const id = createAnnotation(writer.doc, { kind: "factcheck", authorId: annotator.user.id, body: "live", status: "draft", target: seedTarget(0, "the"), factcheck });
        await vi.waitFor(async () => expect([writer.closes, (await annotator.get(`/api/annotations/${id}`)).body]).toMatchObject([[], { factcheck: { confidence: 1e-300 } }]), SETTLED);
        expect(writer.closes).toEqual([]);
      } finally {
        writer.destroy();
      }
      await stillWrites(sockets[0]!, d.owner.user.id, d.owner);
      expect(sockets.flatMap((s) => s.closes)).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 60_000);
});

describe("an update the database refuses for a value in it", () => {
  // A refusal no schema can foresee, for this file's marked bodies only (the database may be shared).
  const marker = `unstorable-${randomUUID()}`;
  const fn = `refuse_${marker.replaceAll("-", "_")}`;
  beforeAll(async () => {
    await live.t.database.db.execute(sql.raw(`create function ${fn}() returns trigger language plpgsql as $$
      begin if new.body like '${marker}%' then raise exception 'value out of range' using errcode = '22003'; end if; return new; end $$`));
    await live.t.database.db.execute(sql.raw(`create trigger ${fn} before insert or update on annotations for each row execute function ${fn}()`));
  });
  afterAll(async () => {
    await live.t.database.db.execute(sql.raw(`drop trigger if exists ${fn} on annotations`));
    await live.t.database.db.execute(sql.raw(`drop function if exists ${fn}()`));
  });

  it("costs a REST write a 422 and nothing stored, and closes nobody's socket", async () => {
    const { d, annotator, sockets } = await watched();
    try {
      const id = `u-${randomUUID()}`;
      const posted = await annotator.post(`/api/articles/${d.article.id}/annotations`, { id, ...factcheck(0.5, marker) });
      expect([posted.status, posted.body.error?.code]).toEqual([422, "update_not_stored"]);
      expect((await annotator.get(`/api/annotations/${id}`)).status).toBe(404);
      await vi.waitFor(() => expect(sockets[0]!.doc.getMap("annotations").has(id)).toBe(false), SETTLED);
      await stillWrites(sockets[0]!, d.owner.user.id, d.owner);
      expect(sockets.flatMap((s) => s.closes)).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 60_000);

  it("closes only its writer's socket, with 4422, and takes the annotation back", async () => {
    const { d, annotator, sockets } = await watched();
    const writer = openSyncClient(live.url, d.article.sync.room, annotator.token, { acks: true });
    try {
      await writer.synced;
      const id = createAnnotation(writer.doc, { kind: "comment", authorId: annotator.user.id, body: `${marker} live` });
      await vi.waitFor(() => expect(writer.closes.map((c) => c.code)).toEqual([4422]), SETTLED);
      await vi.waitFor(() => expect(sockets[0]!.doc.getMap("annotations").has(id)).toBe(false), SETTLED);
      expect((await annotator.get(`/api/annotations/${id}`)).status).toBe(404);
      await stillWrites(sockets[0]!, d.owner.user.id, d.owner);
      expect(sockets.flatMap((s) => s.closes)).toEqual([]);
    } finally {
      writer.destroy();
      for (const s of sockets) s.destroy();
    }
  }, 60_000);

  it("never deletes an annotation already stored: an edit it refuses costs the old reload, and the annotation stays", async () => {
    const { d, annotator, sockets } = await watched();
    const writer = openSyncClient(live.url, d.article.sync.room, annotator.token, { acks: true });
    try {
      await writer.synced;
      const posted = await annotator.post(`/api/articles/${d.article.id}/annotations`, { kind: "comment", body: "stored first", visibility: "group" });
      expect(posted.status).toBe(201);
      const id = posted.body.id as string;
      await vi.waitFor(() => expect(writer.doc.getMap("annotations").has(id)).toBe(true), SETTLED);
      const body = (writer.doc.getMap("annotations").get(id) as Y.Map<unknown>).get("body") as Y.Text;
      writer.doc.transact(() => {
        body.delete(0, body.length);
        body.insert(0, `${marker} edited`);
      });
      // Refused: the edit is not stored, and the annotation, with what was stored of it, is still there.
      await vi.waitFor(() => expect(writer.closes.length).toBeGreaterThan(0), SETTLED);
      // Refused at the commit, for the value, not at the socket for its shape.
      expect(writer.closes.map((c) => c.code)).not.toContain(4403);
      const read = await d.owner.get(`/api/annotations/${id}`);
      expect([read.status, read.body.body]).toEqual([200, "stored first"]);
      // And after the document settled: a socket opened now holds it, as stored.
      const later = openSyncClient(live.url, d.article.sync.room, d.owner.token);
      try {
        await later.synced;
        await stillWrites(later, d.owner.user.id, d.owner);
        expect(String((later.doc.getMap("annotations").get(id) as { get: (k: string) => unknown } | undefined)?.get("body"))).toBe("stored first");
        expect((await d.owner.get(`/api/annotations/${id}`)).body.body).toBe("stored first");
      } finally {
        later.destroy();
      }
    } finally {
      writer.destroy();
      for (const s of sockets) s.destroy();
    }
  }, 60_000);
});
