import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";
import { SETTLED } from "./support/settled.ts";
import { type SyncClient, eventually, openSyncClient } from "./support/sync-client.ts";

/**
 * Role events carry the new role and no order: two changes of one member made through two processes a
 * moment apart can arrive at a third in either order. An older event arriving last set open sockets to
 * the older role until the next check against the database, 30 s later (docs/sync.md, "8. Close codes").
 * The check never runs here; the older event is applied as a relayed one would be.
 */
describe("role events that arrive out of order", () => {
  let t: TestApp;
  let url: string;
  const clients: SyncClient[] = [];
  beforeAll(async () => {
    t = await createTestApp({ sync: { accessCheckMs: 3_600_000 } });
    url = await t.listen();
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await t?.close();
  });

  it("leaves every open socket with the role the database holds", async () => {
    const { owner, group, article, members } = await articleWithMembers(t.app, ["annotator"]);
    const member = members[0]!;
    const { memberId } = (await member.get(`/api/articles/${article.id}`)).body as { memberId: string };
    const socket = openSyncClient(url, article.sync.room, member.token, { roles: true });
    clients.push(socket);
    await socket.synced;
    // Made a viewer, then an annotator again: the database holds the second.
    for (const role of ["viewer", "annotator"]) expect((await owner.patch(`/api/groups/${group.id}/members/${member.user.id}`, { role })).status).toBe(200);
    await eventually(() => expect(socket.roles).toEqual(["annotator", "viewer", "annotator"]), SETTLED.timeout);
    // The first change's event, arriving after the second's.
    t.hub.access({ kind: "role-changed", groupId: group.id, userId: member.user.id, memberId, role: "viewer" });
    // Applied at once, as every event is; then the database's role, read again for it.
    await eventually(() => expect(socket.roles).toEqual(["annotator", "viewer", "annotator", "viewer", "annotator"]), SETTLED.timeout);
    expect(socket.closes).toEqual([]);
  }, 30_000);
});
