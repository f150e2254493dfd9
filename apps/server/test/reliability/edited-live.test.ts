import * as Y from "yjs";
import { annotationsOf, createAnnotation, readAnnotation } from "@marginalia/schema";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { eventually } from "../support/sync-client.ts";
import { connectCore, recordUpdates, syncStep2, updateMessage } from "./support/core.ts";
import { groupContext } from "./support/docs.ts";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.stop();
});
afterEach(() => vi.restoreAllMocks());

/**
 * The "edited" mark on an edit that follows its annotation closely (edited.ts): a socket that has been
 * open a while posts live, and its readers see the first version at once; one that just joined sends what
 * it wrote while away, which nobody has read.
 */
describe("the edited mark for an edit that follows its annotation at once", () => {
  async function postThenEdit(openedLongAgo: boolean, postedAs: "update" | "step 2" = "update") {
    const setup = await articleWithMembers(t.app, ["annotator"]);
    const writer = setup.members[0]!;
    const core = connectCore(t.hub, setup.article.sync.room, writer.token, true);
    await core.ready;
    if (openedLongAgo) {
      const now = performance.now.bind(performance);
      vi.spyOn(performance, "now").mockImplementation(() => now() + 60_000);
    }
    const doc = new Y.Doc();
    const updates = recordUpdates(doc);
    const id = createAnnotation(doc, { kind: "comment", authorId: writer.user.id, body: "First words" });
    (annotationsOf(doc).get(id)!.get("body") as Y.Text).insert(0, "Changed: ");
    core.connection.receive(postedAs === "update" ? updateMessage(updates[0]!) : syncStep2(updates[0]!));
    core.connection.receive(updateMessage(updates[1]!));
    await eventually(() => expect(core.acks.at(-1)).toBe(2), 5_000);
    expect(core.closed).toBeNull();
    const ctx = groupContext({ id: setup.article.id, groupId: setup.group.id });
    const stored = await t.hub.read(ctx, (live) => readAnnotation(annotationsOf(live.doc).get(id)!));
    core.connection.close(1000, "done");
    return stored;
  }

  it("marks the edit when the socket was posting live", async () => {
    const stored = await postThenEdit(true);
    expect(stored.body).toBe("Changed: First words");
    expect(stored.editedAt).toEqual(expect.any(Number));
  });

  it("does not mark it when the annotation came in a sync step 2, however long the socket was open", async () => {
    const stored = await postThenEdit(true, "step 2");
    expect(stored.body).toBe("Changed: First words");
    expect(stored.editedAt).toBeNull();
  });

  it("does not mark it when the socket has just joined, catching up on work done while away", async () => {
    const stored = await postThenEdit(false);
    expect(stored.body).toBe("Changed: First words");
    expect(stored.editedAt).toBeNull();
  });
});
