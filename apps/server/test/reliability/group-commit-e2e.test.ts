import { eq, sql } from "drizzle-orm";
import { annotationsOf, createAnnotation, updateAnnotation } from "@marginalia/schema";
import { annotations, articles } from "@marginalia/schema/tables";
import { afterAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/app.ts";
import { endsAtDeadline } from "../support/deadline.ts";
import { articleWithMembers } from "../support/article.ts";
import { liveServer } from "../support/live.ts";
import { type SyncClient, eventually, openSyncClient } from "../support/sync-client.ts";
import { faulty, logRowsOf, outage, projectedOf } from "./support/commit-bench.ts";
import { docFrom } from "./support/docs.ts";

/**
 * The group commit seen from sockets and REST (persist.ts, commit-errors.ts): a write on an
 * article deleted under its socket is refused without holding up others, a deleted article's
 * queued writes are discarded, and the hub shuts down by its deadline with the database gone.
 * The committer alone, under refusals and outages: group-commit.test.ts.
 */

const server = liveServer();
/** Sockets on the other servers some tests start, on the same database. */
const otherServers: SyncClient[] = [];
const openOn = (...args: Parameters<typeof openSyncClient>) => {
  const client = openSyncClient(...args);
  otherServers.push(client);
  return client;
};
afterAll(() => {
  for (const c of otherServers) c.destroy();
});

/** What was written, read from the real database (some tests hand the committer a faulty view of it). */
const logRows = (docName: string) => logRowsOf(server.t.database.db, docName);
const projected = (ids: string[]) => projectedOf(server.t.database.db, ids);

describe("end to end", () => {
  it("refuses a write on an article deleted under its socket with 4410, and other articles' writes go on", async () => {
    const doomed = await articleWithMembers(server.t.app, ["annotator"]);
    const other = await articleWithMembers(server.t.app, ["annotator"]);
    const member = doomed.members[0]!;
    const socket = server.open(doomed.article.sync.room, member.token, { acks: true });
    const elsewhere = server.open(other.article.sync.room, other.members[0]!.token, { acks: true });
    await Promise.all([joined(socket), joined(elsewhere)]);
    const first = createAnnotation(socket.doc, { kind: "comment", authorId: member.user.id, body: "before the deletion" });
    await eventually(() => expect(socket.acks.at(-1)).toBe(2), 5_000);

    // Deleted behind the hub's back (another process whose access event was lost): the socket stays open.
    await within(5_000, "deleting the article", server.t.database.db.delete(articles).where(eq(articles.id, doomed.article.id)));
    const second = createAnnotation(socket.doc, { kind: "comment", authorId: member.user.id, body: "after the deletion" });
    // The foreign key the write broke says the article is gone: its sockets are told so, as on a deletion.
    await eventually(() => expect(socket.closes.map((c) => c.code)).toContain(4410), 5_000);
    expect(socket.acks.at(-1)).toBe(2);
    expect(await within(5_000, "reading the projection", projected([first, second]))).toEqual([]);

    // Nothing is stuck behind the refused update: REST and socket writes elsewhere are saved at once.
    const rest = await within(3_000, "a REST write on another article", other.owner.post(`/api/articles/${other.article.id}/annotations`, { kind: "comment", body: "still saved" }));
    expect(rest.status).toBe(201);
    const live = createAnnotation(elsewhere.doc, { kind: "comment", authorId: other.members[0]!.user.id, body: "also saved" });
    await eventually(() => expect(elsewhere.acks.at(-1)).toBe(2), 3_000);
    expect(await projected([rest.body.id, live])).toEqual([rest.body.id, live].sort());
    expect(await server.t.hub.committer.flush(Date.now() + 3_000)).toBe(true);
    expect(server.t.hub.committer.pending).toBe(0);
  });

  it("removes an annotation written under an id another article holds, closes its writer with 4403, and leaves everyone else connected", async () => {
    const first = await articleWithMembers(server.t.app, ["annotator"]);
    const second = await articleWithMembers(server.t.app, ["annotator"]);
    const [owner, copier] = [first.members[0]!, second.members[0]!];
    const original = server.open(first.article.sync.room, owner.token, { acks: true });
    const socket = server.open(second.article.sync.room, copier.token, { acks: true });
    const bystander = server.open(second.article.sync.room, second.owner.token, { acks: true });
    await Promise.all([joined(original), joined(socket), joined(bystander)]);
    const id = createAnnotation(original.doc, { kind: "comment", authorId: owner.user.id, body: "the original" });
    await eventually(() => expect(original.acks.at(-1)).toBe(2), 5_000);

    // The same id in another article: its projection would have to take the first article's row.
    createAnnotation(socket.doc, { id, kind: "comment", authorId: copier.user.id, body: "a copy under the same id" });
    await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4403]), 5_000);
    const [row] = await server.t.database.db.select().from(annotations).where(eq(annotations.id, id));
    expect(row).toMatchObject({ articleId: first.article.id, body: "the original" });

    // The second article's document no longer holds it, live or stored, and nobody else there was closed.
    await eventually(() => expect(annotationsOf(bystander.doc).has(id)).toBe(false), 5_000);
    const mine = createAnnotation(bystander.doc, { kind: "comment", authorId: second.owner.user.id, body: "carrying on" });
    await eventually(() => expect(bystander.acks.at(-1)).toBe(2), 5_000);
    expect(bystander.closes).toEqual([]);
    expect(await projected([mine])).toEqual([mine]);
    expect(await server.t.hub.committer.flush(Date.now() + 3_000)).toBe(true);
    const stored = docFrom(await server.t.hub.store.state(second.article.sync.room));
    expect([annotationsOf(stored).has(id), annotationsOf(stored).has(mine)]).toEqual([false, true]);
    const fresh = server.open(second.article.sync.room, copier.token, { acks: true });
    await joined(fresh);
    expect(annotationsOf(fresh.doc).has(id)).toBe(false);
    expect(annotationsOf(fresh.doc).has(mine)).toBe(true);
    // And the first article's author goes on editing their own.
    updateAnnotation(original.doc, id, { body: "still mine" });
    await eventually(() => expect(original.acks.at(-1)).toBe(3), 5_000);
    expect(original.closes).toEqual([]);
  });

  it("refuses an update the database refused once at validation when it comes again, without reloading the document", async () => {
    const { article, members } = await articleWithMembers(server.t.app, ["annotator", "annotator"]);
    const [sender, writer] = [members[0]!, members[1]!];
    // A rule of the database's that the live document knows nothing of, as any refusal (commit-errors.ts).
    const check = sql.raw("alter table annotations add constraint refused_again check (body not like '%REFUSED%') not valid");
    await server.t.database.db.execute(check);
    try {
      const refused = server.open(article.sync.room, sender.token, { acks: true });
      const bystander = server.open(article.sync.room, writer.token, { acks: true });
      // The sender's other tab is sent the change before its commit fails, and brings it back on reconnecting.
      const otherTab = server.open(article.sync.room, sender.token, { acks: true });
      await Promise.all([joined(refused), joined(bystander), joined(otherTab)]);
      createAnnotation(refused.doc, { kind: "comment", authorId: sender.user.id, body: "REFUSED by the database" });
      await eventually(() => expect(refused.closes.map((c) => c.code)).toEqual([4422]), 5_000);
      // The first refusal reloads the document: the others close with 1011 and come back.
      await eventually(() => expect(bystander.closes.map((c) => c.code)).toEqual([1011]), 5_000);
      await eventually(() => expect(bystander.provider.wsconnected && bystander.provider.synced).toBe(true), 10_000);
      await eventually(() => expect(otherTab.provider.wsconnected && otherTab.provider.synced).toBe(true), 10_000);
      // Joined after the reload: it never received the refused change.
      const fresh = server.open(article.sync.room, writer.token, { acks: true });
      await joined(fresh);

      // A client that keeps its refused change (as a stock provider does) sends it again in its sync step 2.
      refused.provider.shouldConnect = true;
      refused.provider.connect();
      await eventually(() => expect(refused.closes.map((c) => c.code)).toEqual([4422, 4422]), 5_000);
      const mine = createAnnotation(bystander.doc, { kind: "comment", authorId: writer.user.id, body: "written meanwhile" });
      await eventually(() => expect(projected([mine])).resolves.toEqual([mine]), 5_000);
      // Refused before it was applied: nobody else was closed, or sent it.
      expect(bystander.closes.map((c) => c.code)).toEqual([1011]);
      // The other tab's copy of it is left out of its step 2, not held against it: it is not its sender.
      expect(otherTab.closes.map((c) => c.code)).toEqual([1011]);
      expect(fresh.closes).toEqual([]);
      await eventually(() => expect(annotationsOf(fresh.doc).has(mine)).toBe(true), 5_000);
      expect([...annotationsOf(fresh.doc).values()].map((a) => String(a.get("body")))).toEqual(["written meanwhile"]);
    } finally {
      await server.t.database.db.execute(sql.raw("alter table annotations drop constraint refused_again"));
    }
  });

  it("discards what a deleted article's sockets had queued, unwritten, and closes them with 4410", async () => {
    // Commits wait for a flush, so that the write is still queued when the deletion comes.
    const held = await createTestApp({ database: server.t.database, sync: { commitWindowMs: 600_000 } });
    const heldUrl = await held.listen();
    try {
      const { owner, article } = await articleWithMembers(held.app, []);
      const socket = openOn(heldUrl, article.sync.room, owner.token, { acks: true });
      await joined(socket);
      const id = createAnnotation(socket.doc, { kind: "comment", authorId: owner.user.id, body: "never written" });
      await eventually(() => expect(held.hub.committer.pending).toBe(1), 5_000);

      expect((await owner.delete(`/api/articles/${article.id}`)).status).toBe(204);
      await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([4410]), 5_000);
      expect(held.hub.committer.pending).toBe(0);
      expect(socket.acks).toEqual([1]);
      expect(await logRows(article.sync.room)).toEqual([]);
      expect(await projected([id])).toEqual([]);
    } finally {
      await held.stop();
    }
  });

  it("shuts the hub down by its deadline with the database gone, reporting the unwritten updates", async () => {
    let down = false;
    const db = faulty(server.t.database.db, () => (down ? Promise.reject(outage("ECONNREFUSED")) : null));
    const app = await createTestApp({ database: { ...server.t.database, db } });
    const appUrl = await app.listen();
    try {
      const { owner, article } = await articleWithMembers(app.app, []);
      const socket = openOn(appUrl, article.sync.room, owner.token, { acks: true });
      await joined(socket);
      createAnnotation(socket.doc, { kind: "comment", authorId: owner.user.id, body: "saved" });
      await eventually(() => expect(socket.acks.at(-1)).toBe(2), 5_000);

      down = true;
      createAnnotation(socket.doc, { kind: "comment", authorId: owner.user.id, body: "not saved" });
      await eventually(() => expect(app.hub.committer.pending).toBe(1), 5_000);
      const unwritten = await endsAtDeadline(1_000, (deadline) => app.hub.shutdown(deadline));
      expect(Object.fromEntries(unwritten)).toEqual({ [article.sync.room]: 1 });
      await eventually(() => expect(socket.closes.map((c) => c.code)).toEqual([1001]), 3_000);
      expect(socket.acks).toEqual([1, 2]);
    } finally {
      // Back, so that a failure above does not leave the stop below waiting for it.
      down = false;
      await app.stop();
    }
  });
});

/** A socket that has joined and answered the server's sync step 1: that answer is its first acknowledged message. */
async function joined(client: SyncClient) {
  await eventually(() => expect(client.provider.synced, JSON.stringify(client.closes)).toBe(true), 10_000);
  await eventually(() => expect(client.acks.at(-1)).toBe(1), 5_000);
}

/** `promise`, or a failure naming `what` if it has not settled within `ms`: a hang fails the test with a reason. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
