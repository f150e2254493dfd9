import * as Y from "yjs";
import { annotationsOf, createAnnotation, deleteAnnotation, setVote, updateAnnotation } from "@marginalia/schema";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { connectCore, recordUpdates, syncStep2, updateMessage } from "./support/core.ts";
import { docState, groupContext, projectedRows, stateVector } from "./support/docs.ts";
import { sleep } from "../support/sleep.ts";

// Documents whose clients all left unload soon, so that a test can watch one load again.
const SYNC = { idleUnloadMs: 200 };

let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp({ sync: SYNC });
  url = await t.listen();
});
afterAll(async () => {
  await t?.stop();
});

/**
 * The cases the property found, pinned down one by one. Each failed before
 * the fix named in it (apps/server/src/sync/{authorize,locate,connection}.ts).
 */
describe("honest concurrency the server used to refuse", () => {
  let setup: Awaited<ReturnType<typeof articleWithMembers>>;
  const opened: SyncClient[] = [];
  const open = (room: string, token: string) => {
    const c = openSyncClient(url, room, token);
    opened.push(c);
    return c;
  };
  beforeAll(async () => {
    setup = await articleWithMembers(t.app, ["annotator", "viewer"]);
  });
  afterEach(() => {
    for (const c of opened.splice(0)) c.destroy();
  });
  const refusals = (c: SyncClient) => c.closes.filter((x) => x.code >= 4000);

  it("takes a reconnect whose sync step 2 carries deletions of other people's content (the whole delete set)", async () => {
    const { owner, article, members } = setup;
    const o = open(article.sync.room, owner.token);
    const annotator = open(article.sync.room, members[0]!.token);
    const viewer = open(article.sync.room, members[1]!.token);
    await Promise.all([o.synced, annotator.synced, viewer.synced]);
    const id = createAnnotation(o.doc, { kind: "comment", authorId: owner.user.id, body: "v1" });
    updateAnnotation(o.doc, id, { tags: ["retagged"], body: "v2" }); // overwrites: deletions in everyone's delete set
    setVote(o.doc, id, owner.user.id, "agree");
    setVote(o.doc, id, owner.user.id, "disagree");
    await eventually(() => {
      for (const c of [annotator, viewer]) expect(docState(c.doc)).toEqual(docState(o.doc));
    }, 5_000);
    for (const c of [annotator, viewer]) {
      c.provider.disconnect();
      c.provider.connect();
    }
    await eventually(() => expect([annotator.provider.synced, viewer.provider.synced]).toEqual([true, true]), 5_000);
    await sleep(100);
    expect(refusals(annotator)).toEqual([]);
    expect(refusals(viewer)).toEqual([]);
  });

  it("takes a moderator's offline status change on an annotation its author deleted meanwhile", async () => {
    const { owner, article, members } = setup;
    const o = open(article.sync.room, owner.token);
    const a = open(article.sync.room, members[0]!.token);
    await Promise.all([o.synced, a.synced]);
    const id = createAnnotation(a.doc, { kind: "comment", authorId: members[0]!.user.id, body: "soon gone" });
    await eventually(() => expect(annotationsOf(o.doc).has(id)).toBe(true), 5_000);
    o.provider.disconnect();
    updateAnnotation(o.doc, id, { status: "hidden" }); // an edit of an existing field: it has an origin
    updateAnnotation(o.doc, id, { status: "rejected", rejectionReason: "spam" }); // a new field: it has a parent
    deleteAnnotation(a.doc, id);
    await eventually(async () => expect(await t.hub.read(groupContext({ id: article.id, groupId: setup.group.id }), (l) => annotationsOf(l.doc).has(id))).toBe(false), 5_000);
    o.provider.connect();
    await eventually(() => {
      expect(o.provider.synced).toBe(true);
      expect(stateVector(o.doc)).toEqual(stateVector(a.doc));
    }, 5_000);
    expect(refusals(o)).toEqual([]);
    expect(annotationsOf(o.doc).has(id)).toBe(false);
  });

  it("projects the first vote cast after a document loads", async () => {
    const { owner, members } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "First vote after a load.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const o = open(room, owner.token);
    await o.synced;
    const id = createAnnotation(o.doc, { kind: "comment", authorId: owner.user.id, body: "vote on me" });
    await eventually(async () => expect(await projectedRows(t.database.db, created.body.id)).toHaveLength(1), 5_000);
    o.provider.disconnect();
    await eventually(() => expect(t.hub.loadedDocuments).toBe(0), 10_000); // unloaded: the next socket loads it afresh
    const voter = open(room, members[0]!.token);
    await voter.synced;
    setVote(voter.doc, id, members[0]!.user.id, "agree");
    await eventually(async () => {
      await t.hub.committer.flush();
      expect((await projectedRows(t.database.db, created.body.id))[0]).toMatchObject({ id, votesAgree: 1 });
    }, 5_000);
  });

  it("takes a sync step 2 that repeats content which reached the server meanwhile (its own or someone else's)", async () => {
    const { owner, members } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "Overtaken.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const first = connectCore(t.hub, room, owner.token, true);
    const again = connectCore(t.hub, room, owner.token, true);
    const other = connectCore(t.hub, room, members[0]!.token, true);
    await Promise.all([first.ready, again.ready, other.ready]);
    const doc = new Y.Doc();
    const updates = recordUpdates(doc);
    createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body: "sent twice" });
    first.connection.receive(updateMessage(updates[0]!));
    // Step 2s computed from a state vector read before that update landed.
    again.connection.receive(syncStep2(updates[0]!));
    other.connection.receive(syncStep2(updates[0]!));
    await eventually(() => expect([first.acks.at(-1), again.acks.at(-1), other.acks.at(-1)]).toEqual([1, 1, 1]), 5_000);
    expect([first.closed, again.closed, other.closed]).toEqual([null, null, null]);
    for (const c of [first, again, other]) c.connection.close(1000, "done");
  });

  it("holds an update that builds on content still in flight, instead of refusing it, and acknowledges both in order", async () => {
    const { owner } = setup;
    const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "Typing while reconnecting.", { "content-type": "text/plain" });
    const room = `article:${created.body.id}`;
    const core = connectCore(t.hub, room, owner.token, true);
    await core.ready;
    // Written offline, then edited at once on reconnecting: the edit goes out before sync step 2 does.
    const doc = new Y.Doc();
    const updates = recordUpdates(doc);
    const id = createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body: "typed offline" });
    const body = annotationsOf(doc).get(id)!.get("body") as Y.Text;
    body.insert(body.length, ", and more after reconnecting");
    core.connection.receive(updateMessage(updates[1]!));
    await sleep(20);
    expect(core.closed).toBeNull();
    core.connection.receive(syncStep2(updates[0]!));
    await eventually(() => expect(core.acks.at(-1)).toBe(2), 5_000);
    expect(core.closed).toBeNull();
    const ctx = groupContext({ id: created.body.id, groupId: setup.group.id });
    expect(await t.hub.read(ctx, (l) => docState(l.doc))).toEqual(docState(doc));
    core.connection.close(1000, "done");
  });
  it("takes an update with a gap in its clocks once the gap arrives, as Yjs does, whether it came as an update or a step 2", async () => {
    const { owner } = setup;
    for (const via of ["update", "step 2"] as const) {
      const created = await owner.post(`/api/groups/${setup.group.id}/articles`, "Coalesced outboxes.", { "content-type": "text/plain" });
      const room = `article:${created.body.id}`;
      const core = connectCore(t.hub, room, owner.token, true);
      await core.ready;
      // Three annotations in three transactions; a client that coalesces its outbox sends the first and
      // third merged (a skip where the second goes), then the second.
      const doc = new Y.Doc();
      const updates = recordUpdates(doc);
      for (const body of ["first", "second", "third"]) createAnnotation(doc, { kind: "comment", authorId: owner.user.id, body });
      const gapped = Y.mergeUpdates([updates[0]!, updates[2]!]);
      expect(Y.decodeUpdate(gapped).structs.some((s) => s instanceof Y.Skip)).toBe(true);
      core.connection.receive(via === "update" ? updateMessage(gapped) : syncStep2(gapped));
      await sleep(20);
      core.connection.receive(updateMessage(updates[1]!));
      await eventually(() => expect(core.acks.at(-1)).toBe(2), 5_000);
      expect(core.closed, via).toBeNull();
      const ctx = groupContext({ id: created.body.id, groupId: setup.group.id });
      expect(await t.hub.read(ctx, (l) => docState(l.doc)), via).toEqual(docState(doc));
      core.connection.close(1000, "done");
    }
  });
});
