import { type CodePointIndex, type Role, presenceFromAwareness, summarize } from "@marginalia/schema";
import type { Db } from "../db.ts";
import { contextFor } from "../documents/context.ts";
import type { LiveDocument } from "../sync/document.ts";
import type { SyncHub } from "../sync/hub.ts";
import { type NameBook, nameBook } from "./identities.ts";
import { getArticleHead, textIndexAt } from "./articles.ts";

export type Viewer = { id: string; role: Role };
export type SessionArticle = { id: string; groupId: string; currentRevision: number };

/** Someone the document names (by member id), as a session view shows them: through the viewer's name book. */
export const personFor = (names: NameBook) => (memberId: string) => names.member(memberId);

/**
 * Reads the article's group document, live or loaded for the purpose, with
 * the current text. Only the group document: private and pending work has
 * no place in numbers every member may see.
 */
export async function readGroupDocument<T>(db: Db, hub: SyncHub, article: SessionArticle, read: (live: LiveDocument, text: CodePointIndex) => T) {
  const [{ title }, index] = await Promise.all([getArticleHead(db, article.id), textIndexAt(db, article.id, article.currentRevision)]);
  const context = contextFor({ kind: "group", articleId: article.id }, article.groupId, article.currentRevision);
  return { title, result: await hub.read(context, (live) => read(live, index)) };
}

/**
 * GET /api/articles/:id/summary: the dashboard's numbers, from the group
 * document and the presence on it in this process, where other processes
 * relay theirs (docs/architecture.md, "More than one process").
 */
export async function sessionSummary(db: Db, hub: SyncHub, article: SessionArticle, viewer: Viewer) {
  const { result: summary } = await readGroupDocument(db, hub, article, (live, index) =>
    summarize(live.doc, presenceFromAwareness(live.awareness.getStates()), { index }),
  );
  const names = await nameBook(db, article.groupId, viewer);
  const person = personFor(names);
  const { people, timeline, ...counts } = summary;
  return {
    articleId: article.id,
    revision: article.currentRevision,
    namesMasked: names.masked,
    ...counts,
    people: people.map(({ userId, ...rest }) => ({ user: person(userId), ...rest })),
    timeline: { ...timeline, latest: timeline.latest.map(({ authorId, ...rest }) => ({ ...rest, author: person(authorId) })) },
  };
}
