import { and, asc, count, eq } from "drizzle-orm";
import type { Role } from "@marginalia/schema";
import { annotations, articles as articleTable } from "@marginalia/schema/tables";
import { loadArticleAccess, requireRole } from "../access/membership.ts";
import type { Db } from "../db.ts";
import { anchoredReadWait, behindNow, readAnchored } from "../anchoring/anchored-reads.ts";
import type { SyncHub } from "../sync/hub.ts";
import { MAX_PAGE } from "../http/cursor.ts";
import { type Viewer, queryAnnotations, visibleTo } from "../services/annotation-queries.ts";
import type { AnnotationView } from "../services/annotation-view.ts";
import { getGroup } from "../services/groups.ts";

export type ExportTarget = { articleId: string } | { groupId: string };

export type ExportArticle = {
  id: string;
  title: string;
  byline: string | null;
  sourceUrl: string | null;
  publishedAt: Date | null;
  annotations: AnnotationView[];
};

/** Everything one member may see of an article or a group, ready for any format. */
export type ExportData = {
  scope: "article" | "group";
  group: { id: string; name: string };
  articles: ExportArticle[];
  viewer: Viewer;
  exportedAt: Date;
};

/** Annotations read so far out of those the viewer may see. */
export type ExportProgress = (done: number, total: number) => void;

type ArticleMeta = Omit<ExportArticle, "annotations">;

/**
 * With the server's hub, an article a correction is moving is read once its moves are done, as other reads
 * wait (anchoring/anchored-reads.ts), the whole export within one such wait; without it (the CLI) it is refused.
 */
export type ExportOptions = { onProgress?: ExportProgress; hub?: SyncHub };

/**
 * Checks membership as the HTTP routes do (non-members get "not found"), then
 * reads the annotations page by page through `queryAnnotations`, so that an
 * export can never hold anything the member could not list themselves.
 */
export async function loadExport(
  db: Db,
  target: ExportTarget,
  userId: string,
  { onProgress, hub }: ExportOptions = {},
): Promise<ExportData> {
  const deadline = Date.now() + anchoredReadWait.ms;
  let role: Role;
  let groupId: string;
  let metas: (ArticleMeta & { behind: boolean })[];
  if ("articleId" in target) {
    const access = await loadArticleAccess(db, target.articleId, userId, "viewer");
    role = access.role;
    groupId = access.article.groupId;
    metas = [{ ...pickMeta(access.article), behind: behindNow(access.article) }];
  } else {
    role = await requireRole(db, target.groupId, userId, "viewer");
    groupId = target.groupId;
    // Oldest first, so that a report reads in the order the desk worked.
    const rows = await db
      .select({
        id: articleTable.id,
        title: articleTable.title,
        byline: articleTable.byline,
        sourceUrl: articleTable.sourceUrl,
        publishedAt: articleTable.publishedAt,
        anchoredRevision: articleTable.anchoredRevision,
        currentRevision: articleTable.currentRevision,
      })
      .from(articleTable)
      .where(eq(articleTable.groupId, groupId))
      .orderBy(asc(articleTable.createdAt), asc(articleTable.id));
    metas = rows.map((row) => ({ ...pickMeta(row), behind: behindNow(row) }));
  }
  const group = await getGroup(db, groupId);
  const viewer: Viewer = { id: userId, role };
  const total = onProgress ? await countVisible(db, target, viewer) : 0;
  let done = 0;
  onProgress?.(done, total);

  const articles: ExportArticle[] = [];
  for (const { behind, ...meta } of metas) {
    const before = done;
    // Every page again when a correction's moves come between two: pages on both texts would mix placements.
    const readAll = async () => {
      done = before;
      const views: AnnotationView[] = [];
      let cursor: string | undefined;
      do {
        const page = await queryAnnotations(db, { articleId: meta.id }, viewer, { sort: "position", limit: MAX_PAGE, cursor });
        views.push(...page.annotations);
        done += page.annotations.length;
        onProgress?.(done, Math.max(total, done));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return views;
    };
    const views = hub ? await readAnchored({ db, hub }, meta.id, readAll, behind, Math.max(0, deadline - Date.now())) : await readAll();
    articles.push({ ...meta, annotations: views });
  }
  return {
    scope: "articleId" in target ? "article" : "group",
    group: { id: group.id, name: group.name },
    articles,
    viewer,
    exportedAt: new Date(),
  };
}

function pickMeta(a: ArticleMeta & Record<string, unknown>): ArticleMeta {
  return { id: a.id, title: a.title, byline: a.byline, sourceUrl: a.sourceUrl, publishedAt: a.publishedAt };
}

/** Only sizes the progress bar; it applies the same visibility rule as the reads. */
async function countVisible(db: Db, target: ExportTarget, viewer: Viewer): Promise<number> {
  const scope =
    "articleId" in target ? eq(annotations.articleId, target.articleId) : eq(annotations.groupId, target.groupId);
  const [row] = await db.select({ n: count() }).from(annotations).where(and(scope, visibleTo(viewer)));
  return row?.n ?? 0;
}
