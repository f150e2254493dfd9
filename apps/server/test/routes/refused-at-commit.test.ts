import { annotationsOf, createAnnotation } from "@marginalia/schema";
import { describe, expect, it, vi } from "vitest";
import type { TestClient } from "../support/app.ts";
import { liveServer } from "../support/live.ts";
import { articleWithMembers } from "../support/article.ts";
import { SETTLED } from "../support/settled.ts";
import type { CommitHook } from "../../src/sync/persist/commit-hooks.ts";
import { RefusedAtCommit } from "../../src/sync/persist/commit-errors.ts";

/**
 * A commit hook that refuses what an update holds (as hooks/locked-verdicts.ts refuses a published fact-check's
 * removal) must cost that update only its own new annotations, and its writer their sockets: the document is not
 * reloaded, and every other member's socket and queued write stay.
 */
const REFUSED_WORD = "refuse-me-at-the-commit";
const refusing: CommitHook = {
  name: "refuses a word",
  wants: (doc) => doc.upserts.some((row) => row.body?.includes(REFUSED_WORD)),
  beforeProjection: async () => {
    throw new RefusedAtCommit("the body holds a refused word");
  },
};
const live = liveServer({ sync: { hooks: { commit: [refusing], moderated: async () => {} }, commitWindowMs: 50 } });

describe("an update a commit hook refuses", () => {
  it("removes the annotation it made, closes its writer's sockets 4403, and keeps everyone else's writes and sockets", async () => {
    const d = await articleWithMembers(live.t.app, ["annotator"]);
    const writer = d.members[0] as unknown as TestClient & { token: string; user: { id: string } };
    const room = d.article.sync.room;
    const [mine, alsoMine, owners] = [live.open(room, writer.token), live.open(room, writer.token), live.open(room, d.owner.token, { acks: true })];
    await Promise.all([mine.synced, alsoMine.synced, owners.synced]);

    const before = createAnnotation(owners.doc, { kind: "comment", authorId: d.owner.user.id, body: "before" });
    const refused = createAnnotation(mine.doc, { kind: "comment", authorId: writer.user.id, body: `a ${REFUSED_WORD}` });
    const after = createAnnotation(owners.doc, { kind: "comment", authorId: d.owner.user.id, body: "after" });

    await vi.waitFor(() => expect([mine.closes.map((c) => c.code), alsoMine.closes.map((c) => c.code)]).toEqual([[4403], [4403]]), SETTLED);
    for (const id of [before, after]) await vi.waitFor(async () => expect((await d.owner.get(`/api/annotations/${id}`)).status).toBe(200), SETTLED);
    expect((await d.owner.get(`/api/annotations/${refused}`)).status).toBe(404);
    await vi.waitFor(() => expect(annotationsOf(owners.doc).has(refused)).toBe(false), SETTLED);
    expect(owners.closes).toEqual([]);
  });
});
