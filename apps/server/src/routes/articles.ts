import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { MAX_INTEGER_COLUMN, canModerate, groupRoom, hiddenRoom, privateRoom } from "@marginalia/schema";
import type { Config } from "../config.ts";
import type { AppContext, AppEnv } from "../context.ts";
import { recheckAccess } from "../http/access-recheck.ts";
import { articleJsonSchema, articleUrlSchema, readArticleBody } from "../http/article-body.ts";
import { MAX_ARTICLE_BYTES, articleTooLarge } from "../storable-text.ts";
import { requireArticleRole, requireGroupRole } from "../http/access.ts";
import { entityTags, noneMatch } from "../http/entity-tags.ts";
import { validateQuery } from "../http/input.ts";
import { queryInt } from "../http/query-int.ts";
import { reanchorInTurn, resumeReanchoring } from "../anchoring/resume.ts";
import { type ImportOptions, importSource } from "../import/sources.ts";
import { type ArticleAnswer, answerBody, articleAnswer, articleAnswerTag } from "../services/article-answer.ts";
import { addRevision, createArticle, deleteArticle, listArticles, listRevisions } from "../services/articles.ts";
import { created, documented, noContent, ok } from "../openapi/describe.ts";
import { articleForReaderSchema, articleListSchema, articleSchema, revisedArticleSchema, revisionListSchema } from "../openapi/schemas/articles.ts";

/** An article's text as JSON, or a URL for the server to fetch; or a text, PDF or multipart body. */
const articleBody = z.union([articleJsonSchema, articleUrlSchema]);
const ARTICLE_TYPES = ["text/plain", "text/markdown", "text/html", "application/pdf", "multipart/form-data"];
const JSON_TYPE = { "content-type": "application/json" };
/** An article's answer with its length and its ETag, which a correction may send back as If-Match. */
function sent<E extends AppEnv>(c: AppContext<E>, answer: ArticleAnswer, status: 200 | 201) {
  const { body, length } = answerBody(answer);
  return c.body(body, status, { ...JSON_TYPE, "Content-Length": length, ETag: answer.etag });
}
const IMPORT_REFUSALS = {
  400: "Bad input, naming the field; address_not_public for a URL on loopback, private, link-local or metadata addresses (at any redirect)",
  413: "payload_too_large: the body, the text read from it (10 MiB, as a body), its blocks (100,000 paragraphs, headings, list items and the like), a PDF's page count, or the memory reading a PDF takes; nothing is stored",
  422: "source_unreadable (the URL did not answer with an article page, in time, within the size limit) or pdf_without_text (a scan)",
  429: "rate_limited: the caller has too many imports under way or waiting (accounts take turns, one import at a time each); Retry-After says when to try again",
};

const articleBodyLimit = bodyLimit({
  maxSize: MAX_ARTICLE_BYTES,
  onError: () => {
    throw articleTooLarge();
  },
});

const importOptions = (config: Config): ImportOptions => ({ allowPrivateUrls: config.importAllowPrivateUrls });

export const revisionQuery = z.object({ revision: queryInt(1, MAX_INTEGER_COLUMN).optional() });

/** Mounted at /api/groups: the articles of one group. */
export const groupArticleRoutes = new Hono<AppEnv>()
  .post("/:groupId/articles", documented({ tag: "articles", summary: "Import an article (moderator): its text, a PDF (each block with its page), or {url} for the server to fetch and read", body: articleBody, bodyTypes: ARTICLE_TYPES, responses: { ...created("The article with text and blocks"), ...IMPORT_REFUSALS }, schemas: { 201: articleSchema } }), requireGroupRole("moderator"), articleBodyLimit, async (c) => {
    const { db } = c.get("deps");
    const { meta, ...source } = await readArticleBody(c);
    const { format, imported, sourceUrl } = await importSource(source, meta, importOptions(c.get("deps").config));
    // A fetch or a long import may outlast the caller's role (http/access-recheck.ts).
    await recheckAccess(c);
    const article = await createArticle(db, {
      groupId: c.get("group").id,
      authorId: c.get("user").id,
      format,
      imported,
      meta: { sourceUrl: meta.sourceUrl ?? sourceUrl, publishedAt: meta.publishedAt },
    });
    c.header("Location", `/api/articles/${article.id}`);
    // The revision just stored, which `imported` is: a correction committed meanwhile is not its text.
    const answer = await articleAnswer(db, article.id, article.revision, {}, imported);
    return sent(c, answer, 201);
  })
  .get("/:groupId/articles", documented({ tag: "articles", summary: "A group's articles", responses: ok("Articles"), schemas: { 200: articleListSchema } }), requireGroupRole("viewer"), async (c) => {
    return c.json({ articles: await listArticles(c.get("deps").db, c.get("group").id) });
  });

/** Mounted at /api/articles. */
export const articleRoutes = new Hono<AppEnv>()
  .get("/:articleId", documented({ tag: "articles", summary: "An article, its text, blocks and sync rooms", query: revisionQuery, responses: { ...ok("The article, with an ETag of the whole answer (the reader's role and rooms with it) that a correction may send back as If-Match"), 304: "Not modified: If-None-Match holds the answer's ETag" }, schemas: { 200: articleForReaderSchema } }), requireArticleRole("viewer"), async (c) => {
    const { db, config } = c.get("deps");
    const user = c.get("user");
    // `memberId`: the id the group's documents and presence know the viewer by, for their authorship and votes.
    const { article, role, memberId } = c.get("article");
    const { revision } = validateQuery(revisionQuery, c);
    const sync = {
      url: `${config.publicOrigin.replace(/^http/, "ws")}/sync`,
      room: groupRoom(article.id),
      privateRoom: privateRoom(article.id, user.id),
      // What moderators hid lives in a document of its own, which only they may join.
      ...(canModerate(role) && { hiddenRoom: hiddenRoom(article.id) }),
    };
    const extra = { role, memberId, sync };
    // A reader that holds the answer is told so before the text, up to megabytes, is read (as W3C reads are: w3c/media.ts).
    const held = c.req.header("if-none-match");
    if (held) {
      const etag = await articleAnswerTag(db, article.id, revision, extra);
      if (noneMatch(held, etag)) return c.body(null, 304, { ETag: etag });
    }
    const answer = await articleAnswer(db, article.id, revision, extra);
    return sent(c, answer, 200);
  })
  .get("/:articleId/revisions", documented({ tag: "articles", summary: "Revision history", responses: ok("Revisions, newest first"), schemas: { 200: revisionListSchema } }), requireArticleRole("viewer"), async (c) => {
    const { article, role } = c.get("article");
    return c.json({ revisions: await listRevisions(c.get("deps").db, article, { id: c.get("user").id, role }) });
  })
  .put("/:articleId/text", documented({ tag: "articles", summary: "Store a corrected text as a new revision (moderator), from any source an import takes. With If-Match (the ETag of GET /api/articles/:id) it is stored only if the article has not changed since; without If-Match it is stored whatever changed since", body: articleBody, bodyTypes: ARTICLE_TYPES, responses: { 200: "Unchanged text: no new revision", 201: "A new revision, and how the annotations were placed on it", ...IMPORT_REFUSALS, 412: "precondition_failed: If-Match names no ETag of the article as it stands (another correction or a new title came first); nothing is stored" }, schemas: { 200: articleSchema, 201: revisedArticleSchema } }), requireArticleRole("moderator"), articleBodyLimit, async (c) => {
    const { db, hub } = c.get("deps");
    const { meta, ...source } = await readArticleBody(c);
    // A correction keeps the article's title and byline unless the caller names new ones.
    const before = c.get("article").article;
    const corrected = { title: meta.title ?? before.title, byline: meta.byline ?? before.byline };
    const { format, imported } = await importSource(source, corrected, importOptions(c.get("deps").config));
    // A fetch or a long import may outlast the caller's role (http/access-recheck.ts).
    await recheckAccess(c);
    const { article } = c.get("article");
    const ifMatch = c.req.header("if-match");
    const result = await addRevision(db, { articleId: article.id, groupId: article.groupId, authorId: c.get("user").id, format, imported, ifMatch: ifMatch === undefined ? undefined : entityTags(ifMatch) });
    if (!result.created) {
      // Sent again after a correction whose re-anchoring was cut short: finished now (anchoring/resume.ts).
      await resumeReanchoring(db, hub, article.id, { retryNow: true });
      const unchanged = await articleAnswer(db, article.id, result.revision);
      return sent(c, unchanged, 200);
    }
    const reanchored = await reanchorInTurn(db, hub, article, result.previous, { revision: result.revision, text: imported.text });
    const answer = await articleAnswer(db, article.id, result.revision, { reanchored }, imported);
    return sent(c, answer, 201);
  })
  .delete("/:articleId", documented({ tag: "articles", summary: "Delete an article (moderator)", responses: noContent }), requireArticleRole("moderator"), async (c) => {
    const { db, hub } = c.get("deps");
    const { article } = c.get("article");
    // The role is decided again in the deletion's transaction, and nothing is told before it commits: a
    // refused or failed deletion closes no socket and discards no write. Then its rooms close (4410) on
    // every process, what they had queued is discarded, and what was being written as the deletion
    // committed is deleted once it lands (hub.ts, `articleDeleted`; docs/sync.md, "6. Acknowledgements").
    await deleteArticle(db, article, c.get("user").id);
    await hub.articleDeleted(article.id);
    return c.body(null, 204);
  });
