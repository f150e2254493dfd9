import { createAnnotation, parseRoom } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resumeBehind, resumeInBackground } from "../src/anchoring/resume.ts";
import { contextFor } from "../src/documents/context.ts";
import { ShuttingDown } from "../src/sync/shutdown.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers, targetOn } from "./support/article.ts";

let t: TestApp;
beforeAll(async () => void (t = await createTestApp()));
afterAll(() => t.close());

const QUOTE = "the West is so sensitive about any cooperation";

/**
 * An article with one annotation, corrected by a request that stopped while it moved the annotations: the
 * revision is committed, and the annotation is still on the old text, as after a crash or a deploy's SIGTERM.
 */
async function correctionCutShort() {
  const d = await articleWithMembers(t.app, []);
  const { text } = (await d.owner.get(`/api/articles/${d.article.id}`)).body as { text: string };
  const context = contextFor(parseRoom(d.article.sync.room)!, d.group.id, 1);
  let id = "";
  await t.hub.change(context, { userId: null }, (doc) => {
    id = createAnnotation(doc, { kind: "comment", authorId: d.owner.user.id, body: "a note", target: targetOn(text, QUOTE) });
  });
  const revised = `A correction note was added here at the top of the article.\n\n${text}`;
  const stopping = vi.spyOn(t.hub, "change").mockRejectedValue(new ShuttingDown());
  try {
    const put = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(put.status).toBe(503);
  } finally {
    stopping.mockRestore();
  }
  // Its stored row, read directly: a GET would itself wait for the moves (anchoring/anchored-reads.ts).
  const annotation = async () => {
    const [row] = await t.database.db.select().from(annotations).where(eq(annotations.id, id));
    return { anchor: { state: row!.anchorState }, target: row!.target };
  };
  expect(await annotation()).toMatchObject({ target: { revision: 1 } });
  return { d, context, revised, annotation };
}

const MOVED = { anchor: { state: "anchored" }, target: { revision: 2, exact: QUOTE } };

describe("a correction whose re-anchoring was cut short", () => {
  it("is finished when the same text is sent again", async () => {
    const { d, revised, annotation } = await correctionCutShort();
    const retry = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(retry.status).toBe(200);
    expect(await annotation()).toMatchObject(MOVED);
  }, 90_000);

  it("is finished when another process, or this one started again, reads one of the article's documents", async () => {
    const { context, annotation } = await correctionCutShort();
    const restarted = await createTestApp({ database: t.database });
    try {
      await restarted.hub.read(context, () => null);
      await vi.waitFor(async () => expect(await annotation()).toMatchObject(MOVED), { timeout: 15_000, interval: 200 });
    } finally {
      await restarted.close();
    }
  }, 90_000);

  it("is finished at start-up", async () => {
    const { annotation } = await correctionCutShort();
    const restarted = await createTestApp({ database: t.database });
    try {
      await resumeBehind(restarted.database.db, restarted.hub, restarted.logger);
      expect(await annotation()).toMatchObject(MOVED);
    } finally {
      await restarted.close();
    }
  }, 90_000);

  it("is finished at start-up for every article behind, past the first page of them", async () => {
    const first = await correctionCutShort();
    const second = await correctionCutShort();
    const restarted = await createTestApp({ database: t.database });
    try {
      await resumeBehind(restarted.database.db, restarted.hub, restarted.logger, 1);
      expect(await first.annotation()).toMatchObject(MOVED);
      expect(await second.annotation()).toMatchObject(MOVED);
    } finally {
      await restarted.close();
    }
  }, 90_000);

  it("is not tried again by loads or the start-up's pass for a while after it failed", async () => {
    const { d, revised, annotation } = await correctionCutShort();
    const failing = vi.spyOn(t.hub, "change").mockRejectedValue(new Error("a bug this article's text meets"));
    try {
      await resumeBehind(t.database.db, t.hub, t.logger);
      const tried = failing.mock.calls.length;
      expect(tried).toBeGreaterThan(0);
      // A poisoned article costs one re-anchoring per backoff, not one per load or pass.
      await resumeInBackground(t.database.db, t.hub, t.logger, d.article.id);
      await resumeBehind(t.database.db, t.hub, t.logger);
      expect(failing.mock.calls.length).toBe(tried);
    } finally {
      failing.mockRestore();
    }
    // The correction sent again is the moderator's own retry: it is tried at once, and finishes the moves.
    const retry = await d.owner.put(`/api/articles/${d.article.id}/text`, revised, { "content-type": "text/plain" });
    expect(retry.status).toBe(200);
    expect(await annotation()).toMatchObject(MOVED);
  }, 90_000);
});
