import { type PublicUser, type Role, canModerate, parseRoom } from "@marginalia/schema";
import { annotationTombstones } from "@marginalia/schema/tables";
import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { type AnnotationAccess, annotationAccess } from "../access/annotation.ts";
import { type ArticleAccess, assertRole, loadArticleAccess, requireRole } from "../access/membership.ts";
import { type AppContext, type AppEnv, requireUser } from "../context.ts";
import { ApiError } from "../errors.ts";
import { recheckLater } from "./access-recheck.ts";
import { uuidParam } from "./input.ts";

/**
 * Routes declare who may call them, the way hono's own middleware does:
 * `.get("/:groupId", requireGroupRole("owner"), handler)`. Each factory
 * resolves the caller's membership once and leaves it on the context, typed,
 * for the handler: `c.get("group")`, `c.get("article")`, `c.get("annotation")`.
 * What a role may then do to an annotation is the policy's to say
 * (packages/schema/src/policy), asked by the services; these only decide who
 * reaches the resource at all. Each decides again once the body is in
 * (access-recheck.ts), refreshing what it left on the context in place.
 */
type Reached<V> = { Variables: AppEnv["Variables"] & { user: PublicUser } & V };

export type GroupEnv = Reached<{ group: { id: string; role: Role } }>;
export type ArticleEnv = Reached<{ article: ArticleAccess }>;
export type AnnotationEnv = Reached<{ annotation: AnnotationAccess }>;

/** The group at `:groupId`, for members with at least `needed`: 404 to outsiders, 403 to weaker roles. */
export const requireGroupRole = (needed: Role) =>
  createMiddleware<GroupEnv>(async (c, next) => {
    const user = requireUser(c);
    const id = uuidParam(c, "groupId", "Group");
    const { db } = c.get("deps");
    const role = await requireRole(db, id, user.id, needed);
    c.set("user", user);
    c.set("group", { id, role });
    recheckLater(c, async () => {
      c.get("group").role = await requireRole(db, id, user.id, needed);
    });
    await next();
  });

/** The article at `:articleId`, with the caller's role, member id and the group's moderation mode. */
export const requireArticleRole = (needed: Role) =>
  createMiddleware<ArticleEnv>(async (c, next) => {
    const user = requireUser(c);
    const articleId = uuidParam(c, "articleId", "Article");
    const { db } = c.get("deps");
    c.set("user", user);
    c.set("article", await loadArticleAccess(db, articleId, user.id, needed));
    recheckLater(c, async () => {
      Object.assign(c.get("article"), await loadArticleAccess(db, articleId, user.id, needed));
    });
    await next();
  });

/**
 * The annotation at `:annotationId` as the caller may reach it: 404 when they
 * may not see it, 410 when it was deleted, and, with `needed`, 403 to weaker roles.
 */
export const requireAnnotation = (needed: Role = "viewer") =>
  createMiddleware<AnnotationEnv>(async (c, next) => {
    const id = c.req.param("annotationId") ?? "";
    const access = await accessOrGone(c, id);
    assertRole(access.role, needed);
    c.set("user", requireUser(c));
    c.set("annotation", access);
    recheckLater(c, async () => {
      const again = await accessOrGone(c, id);
      assertRole(again.role, needed);
      Object.assign(c.get("annotation"), again);
    });
    await next();
  });

/**
 * 410 for an annotation that existed and was deleted, to whoever could have seen it: a member of its
 * article's group, its author alone for a private note, moderators for what they had hidden. 404 otherwise,
 * the same 404 as for an id that never existed, so that nobody else learns of it.
 */
export async function accessOrGone<E extends AppEnv>(c: AppContext<E>, id: string): Promise<AnnotationAccess> {
  const { db } = c.get("deps");
  const user = requireUser(c);
  try {
    return await annotationAccess(db, id, user.id);
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") {
      const [gone] = await db.select().from(annotationTombstones).where(eq(annotationTombstones.id, id));
      const role = gone && (await loadArticleAccess(db, gone.articleId, user.id, "viewer").then((found) => found.role, () => null));
      const room = gone && parseRoom(gone.docName);
      const sawIt = role && room && (room.kind === "private" ? room.userId === user.id : room.kind === "hidden" ? canModerate(role) : true);
      if (sawIt) throw new ApiError("gone", "This annotation was deleted");
    }
    throw err;
  }
}
