import { readFile } from "node:fs/promises";
import { eq } from "drizzle-orm";
import { articles, groups } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { importArticle } from "../import/index.ts";
import { createArticle } from "../services/articles.ts";
import { createGroup } from "../services/groups.ts";
import { createUser, findUserByEmail } from "../services/users.ts";

export const DEMO_USER = { email: "demo@marginalia.dev", password: "marginalia-demo", name: "Demo Analyst" };
const DEMO_ARTICLE = new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url);

/** Idempotent: a second start finds the demo and leaves it as the user left it. */
export async function seedDemo(db: Db): Promise<{ articleId: string; groupId: string }> {
  const user = (await findUserByEmail(db, DEMO_USER.email)) ?? (await createUser(db, DEMO_USER));
  const [existing] = await db
    .select({ articleId: articles.id, groupId: groups.id })
    .from(groups)
    .innerJoin(articles, eq(articles.groupId, groups.id))
    .where(eq(groups.createdBy, user.id))
    .limit(1);
  if (existing) return existing;

  const group = await createGroup(db, user.id, { name: "Demo fact-checking desk", moderation: "open" });
  const content = await readFile(DEMO_ARTICLE, "utf8");
  const article = await createArticle(db, {
    groupId: group.id,
    authorId: user.id,
    format: "text",
    imported: importArticle({ format: "text", content }),
    meta: { sourceUrl: null, publishedAt: null },
  });
  return { articleId: article.id, groupId: group.id };
}
