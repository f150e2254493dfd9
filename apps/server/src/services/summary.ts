import type * as Y from "yjs";
import { type AnnotationValue, type CodePointIndex, type Role, annotationsOf, presenceFromAwareness, readAnnotation, summarize } from "@marginalia/schema";
import type { Db } from "../db.ts";
import { contextFor } from "../documents/context.ts";
import type { LiveDocument } from "../sync/document/document.ts";
import type { SyncHub } from "../sync/hub.ts";
import { eachInTurns } from "../sync/document/own-turn.ts";
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
export async function readGroupDocument<T>(
  db: Db,
  hub: SyncHub,
  article: SessionArticle,
  read: (live: LiveDocument, text: CodePointIndex, annotations: ReadonlyMap<string, AnnotationValue>) => T,
) {
  const [{ title }, index] = await Promise.all([getArticleHead(db, article.id), textIndexAt(db, article.id, article.currentRevision)]);
  const context = contextFor({ kind: "group", articleId: article.id }, article.groupId, article.currentRevision);
  return { title, result: await hub.read(context, async (live) => read(live, index, await annotationsInTurns(live.doc))) };
}

/**
 * Annotations read in one turn of the event loop, each about 10–25 µs: a viewer asking for the summary of an
 * article with 10,000 annotations held the loop 120–180 ms for every request.
 */
const READ_PER_TURN = 1_000;

/** Every annotation of `doc` by id, as `countedAnnotations` reads them, READ_PER_TURN a turn; those deleted meanwhile are left out. */
export async function annotationsInTurns(doc: Y.Doc): Promise<Map<string, AnnotationValue>> {
  const read = new Map<string, AnnotationValue>();
  await eachInTurns([...annotationsOf(doc).keys()], READ_PER_TURN, (id) => {
    const map = annotationsOf(doc).get(id);
    if (map) read.set(id, { ...readAnnotation(map), id });
  });
  return read;
}

/**
 * GET /api/articles/:id/summary: the dashboard's numbers, from the group
 * document and the presence on it in this process, where other processes
 * relay theirs (docs/architecture.md, "More than one process").
 */
export async function sessionSummary(db: Db, hub: SyncHub, article: SessionArticle, viewer: Viewer) {
  const { result: summary } = await readGroupDocument(db, hub, article, (live, index, annotations) =>
    summarize(live.doc, presenceFromAwareness(live.awareness.getStates()), { index, annotations }),
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
