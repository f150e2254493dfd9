import { readFile } from "node:fs/promises";
import { asc, eq, sql } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import { articles, groups, memberships } from "@marginalia/schema/tables";
import { DEMO_SEED_LOCK_KEY, type Database, type Db } from "../db.ts";
import { readTextArticle } from "../import/plain-text.ts";
import { createArticle } from "../services/articles.ts";
import { createGroup } from "../services/groups.ts";
import { createUser, findUserByEmail } from "../services/users.ts";
import { verifyPassword } from "../auth/password.ts";
import type { SyncHub } from "../sync/hub.ts";
import { seedDemoAnnotations } from "./annotations.ts";

export const DEMO_USER = { email: "demo@marginalia.dev", password: "marginalia-demo", name: "Demo Analyst" };
/**
 * The second member whose work the demo shows. Nobody signs in as them: their password is random, and
 * the demo user, who owns the group, sees everything they wrote.
 */
export const DEMO_COLLEAGUE = { email: "colleague@marginalia.dev", name: "Shirin Karimi" };
const DEMO_ARTICLE = new URL("../../../../fixtures/articles/russia-iran-ties.txt", import.meta.url);

/**
 * Seeds the demo once, however many processes start together on one Postgres: each takes a transaction's
 * advisory lock first, so the later ones wait, then find it (two at once both created the demo account, and
 * the second's start failed on it). The embedded database has one process and one connection: no lock.
 */
export async function seedDemoOnce(database: Database, hub: SyncHub): Promise<{ articleId: string; groupId: string }> {
  if (database.kind !== "postgres") return seedDemo(database.db, hub);
  return database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${DEMO_SEED_LOCK_KEY})`);
    return seedDemo(database.db, hub);
  });
}

/** Idempotent: a second start finds the demo and leaves it as the user left it. */
export async function seedDemo(db: Db, hub: SyncHub): Promise<{ articleId: string; groupId: string }> {
  const user = (await findUserByEmail(db, DEMO_USER.email)) ?? (await createUser(db, DEMO_USER));
  const [existing] = await db
    .select({ articleId: articles.id, groupId: groups.id })
    .from(groups)
    .innerJoin(articles, eq(articles.groupId, groups.id))
    .where(eq(groups.createdBy, user.id))
    // The demo's own article, the first the demo user's groups got: not one imported later while trying it out.
    .orderBy(asc(groups.createdAt), asc(articles.createdAt))
    .limit(1);
  if (existing) return existing;

  const group = await createGroup(db, user.id, { name: "Demo fact-checking desk", moderation: "open" });
  const content = await readFile(DEMO_ARTICLE, "utf8");
  const article = await createArticle(db, {
    groupId: group.id,
    authorId: user.id,
    format: "text",
    imported: readTextArticle(content),
    meta: { sourceUrl: null, publishedAt: null },
  });
  const colleague =
    (await findUserByEmail(db, DEMO_COLLEAGUE.email)) ?? (await createUser(db, { ...DEMO_COLLEAGUE, password: randomBytes(24).toString("base64url") }));
  // An account of the demo's own making: there is nobody to ask, so no invitation (README, "API in brief").
  await db.insert(memberships).values({ groupId: group.id, userId: colleague.id, role: "annotator" }).onConflictDoNothing();
  await seedDemoAnnotations(db, hub, { articleId: article.id, text: article.text, owner: user.id, annotator: colleague.id });
  return { articleId: article.id, groupId: group.id };
}

/**
 * What a start prints for a person trying Marginalia. The demo account is reused as found, so its login is
 * printed only while it works (one argon2 verification): its password may have been changed, or the account
 * restored from a backup without one, and a printed login that fails is the first thing such a person meets.
 */
export async function demoBanner(db: Db, origin: string, demo: { articleId: string }): Promise<string> {
  const user = await findUserByEmail(db, DEMO_USER.email);
  const works = user ? await verifyPassword(user.passwordHash, DEMO_USER.password).catch(() => false) : false;
  return (
    `\n  Marginalia is running at ${origin}\n` +
    (works ? `  Log in as ${DEMO_USER.email} / ${DEMO_USER.password}\n` : `  The demo account ${DEMO_USER.email} exists with another password\n`) +
    `  Demo article: ${origin}/articles/${demo.articleId}\n`
  );
}
