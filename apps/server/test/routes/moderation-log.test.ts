import { eq, sql } from "drizzle-orm";
import { moderationLog } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createTestApp } from "../support/app.ts";
import { articleWithMembers } from "../support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Entry = { id: number; annotationId: string; action: string };

describe("the moderation log", () => {
  it("pages through every action, newest first by time then id, none skipped or repeated", async () => {
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const { body: first } = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: "The first one hidden" });
    expect((await owner.post(`/api/annotations/${first.id}/hide`, { reason: "Spam" })).status).toBe(200);
    // More actions than a page holds, logged out of id order and sharing instants: runs of rows logged in one
    // microsecond, and instants one microsecond apart within a millisecond, which a cursor in milliseconds would blur.
    const base = Date.parse("2030-01-01T00:00:00Z");
    const rows = Array.from({ length: 230 }, (_, i) => {
      const ms = base - (i % 23) * 1000 + (i % 3);
      const iso = new Date(ms).toISOString().replace("Z", `${String(i % 2).padStart(3, "0")}Z`);
      return { groupId: group.id, annotationId: `later-${i}`, action: "hide" as const, createdAt: sql`${iso}::timestamptz` as unknown as Date };
    });
    await t.database.db.insert(moderationLog).values(rows);
    const expected = (
      await t.database.db
        .select({ id: moderationLog.id })
        .from(moderationLog)
        .where(eq(moderationLog.groupId, group.id))
        .orderBy(sql`${moderationLog.createdAt} desc, ${moderationLog.id} desc`)
    ).map((r) => r.id);
    expect(expected).toHaveLength(231);

    const seen: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const reply = await owner.get(`/api/groups/${group.id}/moderation/log?limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.entries.length).toBeLessThanOrEqual(7);
      seen.push(...reply.body.entries);
      cursor = reply.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen.map((e) => e.id)).toEqual(expected);
    expect(seen.at(-1)).toMatchObject({ annotationId: first.id, action: "hide" });

    // Without a limit, a page is as long as it was before the log paged: 200 entries, and a cursor to the rest.
    const whole = await owner.get(`/api/groups/${group.id}/moderation/log`);
    expect(whole.body.entries).toHaveLength(200);
    const rest = await owner.get(`/api/groups/${group.id}/moderation/log?cursor=${whole.body.nextCursor}`);
    expect(rest.body.entries.map((e: Entry) => e.id)).toEqual(expected.slice(200));
    expect(rest.body.nextCursor).toBeNull();
  });

  it("refuses a limit or cursor that is not its own, as the annotation listings do", async () => {
    const { owner, group, article } = await articleWithMembers(t.app, []);
    const log = `/api/groups/${group.id}/moderation/log`;
    for (const limit of ["0", "201", "abc", "5.0"]) {
      const reply = await owner.get(`${log}?limit=${limit}`);
      expect(reply.status, limit).toBe(400);
      expect(reply.body.error.field).toBe("limit");
    }
    // An annotation listing's cursor is not a place in the log.
    for (let i = 0; i < 2; i++) await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body: `Note ${i}` });
    const annotationCursor = (await owner.get(`/api/groups/${group.id}/annotations?limit=1`)).body.nextCursor;
    expect(annotationCursor).toEqual(expect.any(String));
    for (const cursor of ["x", annotationCursor, Buffer.from(JSON.stringify(["logged", "not a date", 1])).toString("base64url")]) {
      const reply = await owner.get(`${log}?cursor=${cursor}`);
      expect(reply.status, cursor).toBe(400);
      expect(reply.body.error.field).toBe("cursor");
    }
    expect((await owner.get(`${log}?limit=1&limit=2`)).body.error.field).toBe("limit");
  });
});
