import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { annotationFilterSchema, plannedForItsValues, queryAnnotations } from "../src/services/annotation-queries.ts";
import { type TestApp, createTestApp } from "./support/app.ts";
import { articleWithMembers } from "./support/article.ts";

/**
 * A listing filtered by a search, a tag or an assignee is planned for the
 * values it is given (services/annotation-queries.ts, `plannedForItsValues`):
 * the generic plan Postgres may keep for a prepared statement guesses those
 * filters' match counts, and for a common word it sorted every match of the
 * article (12 ms for 5,677 of 10,000, against 0.8 ms planned for the word).
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

const mode = async (q: Pick<TestApp["database"]["db"], "execute">) => {
  const rows = (await q.execute(sql`select current_setting('plan_cache_mode') as mode`)) as unknown as Array<{ mode: string }>;
  return [...rows][0]!.mode;
};

describe("listings planned for their values", () => {
  it("plans each statement for its parameters inside, and leaves the connection as it was", async () => {
    const db = t.database.db;
    const before = await mode(db);
    expect(await plannedForItsValues(db, (q) => mode(q))).toBe("force_custom_plan");
    expect(await mode(db)).toBe(before);
  });

  it.each([
    ["q=sanctions", true],
    ["tag=disputed", true],
    ["assignee=00000000-0000-4000-8000-000000000000", true],
    ["kind=comment", false],
    ["", false],
  ])("a listing with %s is planned for its values: %s", async (query, planned) => {
    const { owner, article } = await articleWithMembers(t.app, []);
    const db = t.database.db;
    const transaction = vi.spyOn(db, "transaction");
    const filter = annotationFilterSchema.parse(Object.fromEntries(new URLSearchParams(query)));
    const page = await queryAnnotations(db, { articleId: article.id }, { id: owner.user.id, role: "owner" }, filter);
    expect(page.annotations).toEqual([]);
    expect(transaction).toHaveBeenCalledTimes(planned ? 1 : 0);
  });
});
