import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { annotations, articles } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { articleBehind, reanchoringBehind } from "../anchoring/anchored-reads.ts";
import { type Viewer, visibleTo } from "./annotation-queries.ts";

/** A reply's parent, looked up beside the reply itself (`from annotations reply_parent` below). */
const parent = alias(annotations, "reply_parent");

/**
 * What the reader paints before its live documents have synced (the web
 * app's reader/highlights/early-highlights.ts): each thread the viewer may
 * see, as the reader would place it from the documents, with the fields its
 * layer depends on.
 *
 * The same rows the REST list shows (`visibleTo`), narrowed to what the
 * reader would paint as it stands: a target on the current revision (one on
 * another needs the reader's re-anchoring, so it waits for the documents), not
 * orphaned, and a thread root, since a reply whose parent the viewer sees sits
 * in that thread (threads.ts, `buildThreads`). Positions are the target's own
 * code points, as the reader reads them (`locate`). A fact-check whose verdict a
 * correction left stale is listed like any other, marked `stale`, as every
 * listing of the desk's work marks it; only exports leave it out
 * (docs/architecture.md, "Verdicts pinned to the text").
 *
 * Postgres writes the JSON in the one query: ten thousand rows cost the event
 * loop one string (about 1.5 MB, built in about 100 ms), not ten thousand
 * parsed rows to serialise again (docs/architecture.md, "The reader's first paint").
 */
export async function highlightsOf(db: Db, article: { id: string }, viewer: Viewer): Promise<string> {
  // The revision answered, and whether every annotation is on it yet, read in the statement's own snapshot:
  // the access check's reading of the article may be from before a correction committed (anchored-reads.ts).
  const current = sql<number>`(select ${articles.currentRevision} from ${articles} where ${articles.id} = ${article.id})`;
  const [row] = await db
    .select({
      revision: current.mapWith(Number),
      behind: articleBehind(article.id),
      spans: sql<string>`coalesce(json_agg(json_strip_nulls(json_build_object(
        'id', ${annotations.id},
        'start', ${annotations.startPos},
        'end', (${annotations.target} ->> 'end')::int,
        'kind', ${annotations.kind},
        'status', ${annotations.status},
        'resolved', ${annotations.resolved},
        'visibility', ${annotations.visibility},
        'verdict', ${annotations.verdict},
        'stale', ${annotations.stale}
      ))), '[]')::text`,
    })
    .from(annotations)
    .where(
      and(
        eq(annotations.articleId, article.id),
        visibleTo(viewer),
        // The projection's revision is its target's (sync/persist/projection.ts).
        eq(annotations.revision, current),
        isNotNull(annotations.target),
        ne(annotations.anchorState, "orphaned"),
        sql`not exists (select 1 from annotations reply_parent where ${parent.id} = ${annotations.parentId} and ${parent.articleId} = ${annotations.articleId} and ${visibleTo(viewer, parent)})`,
      ),
    );
  if (!row || row.behind) throw reanchoringBehind();
  return `{"revision":${row.revision},"highlights":${row.spans}}`;
}
