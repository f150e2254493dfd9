import { Hono, type MiddlewareHandler } from "hono";
import type { AppContext, AppEnv } from "../context.ts";
import { ApiError, forbidden, notFound } from "../errors.ts";
import { KeyedTurns } from "../keyed-turns.ts";
import { uuidParam, validateQuery } from "../http/input.ts";
import { type ArticleEnv, accessOrGone, requireArticleRole } from "../http/access.ts";
import { presentById, viewerOf } from "../services/annotation-view.ts";
import { articleWriteAccess, createThroughDocument, deleteThroughDocument, updateThroughDocument } from "../services/annotations.ts";
import { getArticleHead, textIndexAt } from "../services/articles.ts";
import { reviewedVersion } from "../services/reviewed-version.ts";
import { behindNow, readAnchored, reanchoringBehind } from "../anchoring/anchored-reads.ts";
import { canWrite } from "@marginalia/schema";
import { type ContainerArticle, toCreateRequest, toPatch } from "./apply.ts";
import { asW3CRefusal } from "./fields.ts";
import { containerDocument, pageAt, pageDocument, pageQuerySchema } from "./container.ts";
import { articleIri, containerIri, fromW3C, toW3C } from "./mapping.ts";
import {
  ANNOTATION_HEADERS,
  CONTAINER_HEADERS,
  PAGE_HEADERS,
  containerPreference,
  ifMatchAllows,
  negotiated,
  readAnnotationJson,
  sendLd,
} from "./media.ts";
import { LD, created, documented, noContent, ok, whileMoving } from "../openapi/describe.ts";
import { w3cAnnotationSchema, w3cContainerSchema, w3cPageSchema } from "../openapi/schemas/formats.ts";

/**
 * The W3C Web Annotation Protocol, mounted at /w3c: one container per article, at
 * /w3c/articles/:articleId/, holding the annotations the caller may see. Reads and writes go through
 * the same services as the REST API, so the rules and the live documents are the same.
 */

const baseUrl = <E extends AppEnv>(c: AppContext<E>) => c.get("deps").config.publicOrigin;

/**
 * What the container's annotations may target: the article as we serve it, or the page it was imported
 * from, which names the same text.
 */
async function containerArticle<E extends AppEnv>(c: AppContext<E>, articleId: string): Promise<ContainerArticle> {
  const { db } = c.get("deps");
  const article = await getArticleHead(db, articleId);
  const iris = [articleIri(baseUrl(c), articleId), ...(article.sourceUrl ? [article.sourceUrl] : [])];
  return { iris, text: async () => ({ index: await textIndexAt(db, articleId, article.revision), revision: article.revision }) };
}

/** The caller's access to the annotation at the path: 404 or 410 when they cannot reach it, and 404 under another article. */
async function reachable(c: AppContext) {
  const articleId = uuidParam(c, "articleId", "Article");
  const access = await accessOrGone(c, c.req.param("annotationId")!);
  if (access.row.articleId !== articleId) throw notFound("Annotation");
  return { articleId, access };
}

/** The annotation at the path as the caller may reach it, and its W3C representation. */
async function reach(c: AppContext) {
  const { articleId, access } = await reachable(c);
  const view = await presentById(c.get("deps").db, access.row.id, viewerOf(access));
  const doc = toW3C(view, { baseUrl: baseUrl(c), articleId });
  return { articleId, access, view, doc };
}

async function getContainer(c: AppContext<ArticleEnv>) {
  const user = c.get("user");
  const { db } = c.get("deps");
  const { role, article } = c.get("article");
  const articleId = article.id;
  const query = validateQuery(pageQuerySchema, c);
  const scope = { baseUrl: baseUrl(c), articleId, viewer: { id: user.id, role }, label: `Annotations on “${article.title}”` };
  const at = pageAt(query);
  const anchored = <T>(read: () => Promise<T>) => readAnchored(c.get("deps"), articleId, read, behindNow(article));
  if (at) {
    const page = await anchored(() => pageDocument(db, scope, query, at));
    return sendLd(c, page, { headers: { ...PAGE_HEADERS, "Content-Location": page.id } });
  }
  const prefer = containerPreference(c.req.header("prefer"));
  // Whichever Prefer variant is sent, the representation is of the container itself (protocol §4.1).
  const headers: Record<string, string> = { ...CONTAINER_HEADERS, "Content-Location": containerIri(baseUrl(c), articleId) };
  if (prefer.applied) headers["Preference-Applied"] = "return=representation";
  return sendLd(c, await anchored(() => containerDocument(db, scope, query, prefer)), { headers });
}

/** A page of the container (`?page=`, `?after=`, `?before=`) is read-only: annotations are posted to the container itself. */
const isPage = (c: AppContext) => ["page", "after", "before"].some((name) => c.req.query(name) !== undefined);
/** Told before anything else is decided, as an outsider is too: a page is read-only to everyone. */
const containerOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (isPage(c)) throw Object.assign(new ApiError("method_not_allowed", `A page of the container is read-only: post to the container (${PAGE_HEADERS.Allow})`), { allow: PAGE_HEADERS.Allow.split(", ") });
  await next();
};

async function postAnnotation(c: AppContext<ArticleEnv>) {
  const user = c.get("user");
  const { db, hub } = c.get("deps");
  const articleId = c.get("article").article.id;
  // Access was decided on the headers (requireArticleRole), so that an outsider's body is never read, and is
  // decided again as the body comes in whole, refreshing `c.get("article")` (http/access-recheck.ts says why).
  const body = await readAnnotationJson(c);
  const found = c.get("article");
  const { role } = found;
  // The server names the new annotation (protocol §5.1): any id in the body is ignored.
  const draft = fromW3C(body);
  let parent = null;
  if (draft.parent) {
    // A parent that is not there (never was, deleted, or out of the caller's sight) is a bad target, as one of
    // another container is: the request names it in its body, not in its path.
    const found = draft.parent.articleId === articleId ? await accessOrGone(c, draft.parent.annotationId).catch(absentAsNull) : null;
    if (!found || found.row.articleId !== articleId) {
      throw new ApiError("validation_failed", "target: a reply answers an annotation of this container", "target");
    }
    parent = found.row;
  }
  const input = await toCreateRequest(draft, await containerArticle(c, articleId), parent);
  const created = await createThroughDocument(db, hub, articleWriteAccess(found), user.id, input).catch(asW3CRefusal);
  const doc = toW3C(await presentById(db, created.id, { id: user.id, role }), { baseUrl: baseUrl(c), articleId });
  return sendLd(c, doc, { status: 201, headers: { ...ANNOTATION_HEADERS, Location: doc.id as string } });
}

const absentAsNull = (err: unknown) => {
  if (err instanceof ApiError && (err.code === "not_found" || err.code === "gone")) return null;
  throw err;
};

/** Its positions are on the article as it now reads (docs/w3c.md): read once a correction's moves are done. */
async function getAnnotation(c: AppContext) {
  const reached = async () => {
    const found = await reach(c);
    if (found.access.articleBehind) throw reanchoringBehind();
    return found;
  };
  const { doc } = await readAnchored(c.get("deps"), uuidParam(c, "articleId", "Article"), reached);
  return sendLd(c, doc, { headers: ANNOTATION_HEADERS });
}

/** Checks If-Match against the representation the caller would GET now. */
function precondition(c: AppContext, doc: unknown, required: boolean) {
  const ifMatch = c.req.header("if-match");
  if (!ifMatch) {
    if (!required) return;
    throw new ApiError("precondition_required", "Send If-Match with the ETag of the annotation you edited, so that no change is lost");
  }
  if (!ifMatchAllows(ifMatch, JSON.stringify(doc))) {
    throw new ApiError("precondition_failed", "The annotation changed since you read it: GET it again and redo your edit");
  }
}

/**
 * Conditional writes to one annotation take turns on this process. A PUT or DELETE checks If-Match
 * against what it reads, then writes: three PUTs carrying one ETag, run side by side, all passed the
 * check before any wrote, and the last replaced the others. In turns, the second reads what the first
 * wrote and gets 412. Any other write (a REST PATCH, a socket, another process) is caught at the write itself
 * (a REST edit of a submission in review waits for the article's decision turns, as the PUT's then does):
 * the annotation read is compared with the live document's in the transaction that writes it.
 */
const edits = new KeyedTurns();
/** A conditional write in its annotation's turn: the path's id, before anything is read. */
const inTurn = (c: AppContext, write: () => Promise<Response>) => edits.run(c.req.param("annotationId") ?? "", write);

/**
 * The body is read before the turn, and access decided again after it: a client holding its body back
 * would otherwise hold every other write to the annotation, and act with the access it had when it began.
 * Someone who cannot reach the annotation at all is told so before their body is read.
 */
async function putAnnotation(c: AppContext) {
  await reachable(c);
  const body = await readAnnotationJson(c);
  return inTurn(c, () => replaceAnnotation(c, body));
}

async function replaceAnnotation(c: AppContext, body: unknown) {
  const { articleId, access, view, doc } = await reach(c);
  if (!canWrite(access.role)) throw forbidden(`A ${access.role} cannot edit`);
  precondition(c, doc, true);
  const draft = fromW3C(body, { kind: view.kind, tags: view.tags });
  const patch = await toPatch(draft, view, await containerArticle(c, articleId));
  // A PUT of what is already there changes nothing, and so does not bump `modified`. What was checked is
  // checked again in the document's transaction: a REST or socket edit may have landed since.
  if (Object.keys(patch).length > 0) await updateThroughDocument(c.get("deps").db, c.get("deps").hub, access, patch, reviewedVersion(access.row)).catch(asW3CRefusal);
  const updated = toW3C(await presentById(c.get("deps").db, access.row.id, viewerOf(access)), { baseUrl: baseUrl(c), articleId });
  return sendLd(c, updated, { headers: ANNOTATION_HEADERS });
}

async function deleteAnnotation(c: AppContext) {
  return inTurn(c, async () => {
    const { access, doc } = await reach(c);
    precondition(c, doc, false);
    await deleteThroughDocument(c.get("deps").db, c.get("deps").hub, access, c.req.header("if-match") ? reviewedVersion(access.row) : undefined);
    return c.body(null, 204);
  });
}

/**
 * OPTIONS describes the interface only, so it needs no credentials and reveals nothing. It answers 200,
 * not 204: the protocol's test suite and LDP clients expect 200 with Allow.
 */
const options = (headers: Record<string, string>) => (c: AppContext) => c.body(null, 200, headers);

/** The same JSON under either label, as the client's Accept chooses (media.ts). */
const SERVED = [...LD, "application/json"];

const NOT_ACCEPTABLE = "The Accept header names neither application/ld+json nor application/json (nor a range holding them)";

const containerDocs = {
  get: documented({ tag: "w3c", summary: "An article's W3C annotation container (Basic Container, pages of AnnotationPage)", responses: { 200: "The container, or one page of it (?page=, ?after=, ?before=), as application/ld+json with the anno profile (application/json to a client that refuses JSON-LD)", 304: "Not modified (If-None-Match)", 406: NOT_ACCEPTABLE, ...whileMoving }, produces: SERVED, schemas: { 200: { anyOf: [w3cContainerSchema, w3cPageSchema] } } }),
  post: documented({ live: true, tag: "w3c", summary: "Create a W3C annotation (TextQuote, TextPosition and Range selectors)", bodyTypes: ["application/ld+json"], responses: { ...created("The annotation, with Location and ETag"), 405: "Posted to a page of the container, not to the container", 406: NOT_ACCEPTABLE }, produces: SERVED, schemas: { 201: w3cAnnotationSchema } }),
  options: documented({ tag: "w3c", summary: "What the container allows", auth: false, responses: ok("Allow and Accept-Post, no body"), produces: [] }),
};

/**
 * A container's IRI ends in "/" (protocol §4), so the path without it is not a second container: it
 * answers 308 to the container, the query kept. 308 keeps the method and body, and fetch, undici and
 * requests follow it for a POST too. The body is not read here: only the container stores.
 */
const toContainer = (c: AppContext) => {
  const { pathname, search } = new URL(c.req.url);
  return c.body(null, 308, { Location: `${baseUrl(c)}${pathname}/${search}` });
};
const bareDocs = (method: string) =>
  documented({ tag: "w3c", summary: `${method} without the container's trailing slash`, auth: false, responses: { 308: "Redirected to the container's IRI, which ends in /" }, produces: [] });

export const w3cRoutes = new Hono<AppEnv>()
  .get("/articles/:articleId", bareDocs("GET"), toContainer)
  .post("/articles/:articleId", bareDocs("POST"), toContainer)
  .options("/articles/:articleId", bareDocs("OPTIONS"), toContainer)
  .get("/articles/:articleId/", containerDocs.get, negotiated, requireArticleRole("viewer"), getContainer)
  .post("/articles/:articleId/", containerDocs.post, negotiated, containerOnly, requireArticleRole("annotator"), postAnnotation)
  .options("/articles/:articleId/", containerDocs.options, (c) => options(isPage(c) ? PAGE_HEADERS : CONTAINER_HEADERS)(c))
  .get("/articles/:articleId/:annotationId", documented({ tag: "w3c", summary: "One annotation in W3C JSON-LD, with its ETag", responses: { 200: "The annotation", 304: "Not modified", 406: NOT_ACCEPTABLE, 410: "Deleted", ...whileMoving }, produces: SERVED, schemas: { 200: w3cAnnotationSchema } }), negotiated, getAnnotation)
  .put("/articles/:articleId/:annotationId", documented({ live: true, tag: "w3c", summary: "Replace an annotation; needs If-Match", bodyTypes: ["application/ld+json"], responses: { 200: "The annotation, with a new ETag", 406: NOT_ACCEPTABLE, 409: "A moderator decided on it meanwhile: read it again", 412: "The ETag did not match", 428: "No If-Match" }, produces: SERVED, schemas: { 200: w3cAnnotationSchema } }), negotiated, putAnnotation)
  .delete("/articles/:articleId/:annotationId", documented({ live: true, tag: "w3c", summary: "Delete an annotation; later reads answer 410", responses: { ...noContent, 409: "A moderator decided on it meanwhile: read it again", 412: "If-Match names another version" } }), deleteAnnotation)
  .options("/articles/:articleId/:annotationId", documented({ tag: "w3c", summary: "What an annotation allows", auth: false, responses: ok("Allow, no body"), produces: [] }), options(ANNOTATION_HEADERS));
