import { count, eq } from "drizzle-orm";
import { notifications } from "@marginalia/schema/tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transaction } from "../src/db.ts";
import { type NewNotification, notifyMembers } from "../src/services/notifications.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("notifyMembers", () => {
  it("writes a commit's tens of thousands of notifications (a thousand comments mentioning thirty each), where one statement overflowed the stack", async () => {
    const { group, article, members, owner } = await articleWithMembers(t.app, ["annotator"]);
    const reader = members[0]!.user.id;
    const pending: NewNotification[] = Array.from({ length: 32_000 }, (_, i) => ({
      userId: reader,
      kind: "mention",
      annotationId: `comment-${i}`,
      articleId: article.id,
      actorId: owner.user.id,
    }));
    await transaction(t.database.db, (tx) => notifyMembers(tx, group.id, pending));
    const [written] = await t.database.db.select({ n: count() }).from(notifications).where(eq(notifications.userId, reader));
    expect(written!.n).toBe(32_000);
  }, 60_000);
});
