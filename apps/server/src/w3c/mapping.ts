import type { AnnotationView } from "../services/annotation-view.ts";
import { ANNO_CONTEXT } from "./conformance.ts";
import { annotationIri, articleIri, containerIri, userIri } from "./iri.ts";

export { fromW3C, type W3CDraft } from "./from-w3c.ts";
export { ANNO_CONTEXT };
export * from "./iri.ts";

/**
 * Our own fields live in one namespace. The prefix is defined inline, so the documents stay valid
 * JSON-LD without a second context to fetch, and every `mg:` key expands to a full IRI.
 */
export const MG_NAMESPACE = "https://marginalia.dev/ns/annotation#";
export const MG_CONTEXT = { mg: MG_NAMESPACE } as const;
export const ANNOTATION_CONTEXT = [ANNO_CONTEXT, MG_CONTEXT] as const;
/** Containers are also LDP Basic Containers (annotation-protocol §4.1), whose terms need ldp.jsonld. */
export const CONTAINER_CONTEXT = [ANNO_CONTEXT, "http://www.w3.org/ns/ldp.jsonld", MG_CONTEXT] as const;

export type W3CContext = { baseUrl: string; articleId: string };

export function motivationOf(view: Pick<AnnotationView, "kind" | "parentId">) {
  if (view.kind === "highlight") return "highlighting";
  if (view.kind === "factcheck") return "assessing";
  return view.parentId ? "replying" : "commenting";
}

const dateTime = (d: Date | string) => new Date(d).toISOString();
const textualBody = (value: string, purpose: string, language?: string | null) => ({
  type: "TextualBody",
  value,
  format: "text/plain",
  ...(language && { language }),
  purpose,
});

/** An annotation without its @context: the form it takes inside a page. */
export function toW3CItem(view: AnnotationView, ctx: W3CContext): Record<string, unknown> {
  const motivation = motivationOf(view);
  const bodies: object[] = [];
  // A highlight's note comments on the highlighted text; the others' body serves their motivation.
  if (view.body) bodies.push(textualBody(view.body, motivation === "highlighting" ? "commenting" : motivation, view.language));
  // The verdict classifies the claim, so it is a classifying body: readable by any W3C client, and
  // machine-readable as the mg:verdict it repeats.
  if (view.factcheck?.verdict) bodies.push(textualBody(view.factcheck.verdict, "classifying"));
  for (const tag of view.tags) bodies.push({ type: "TextualBody", value: tag, purpose: "tagging" });

  const targets: unknown[] = [];
  // A reply is about the annotation it answers (oa:replying); it also keeps the text both discuss.
  if (view.parentId) targets.push(annotationIri(ctx.baseUrl, ctx.articleId, view.parentId));
  if (view.target) {
    const { exact, prefix, suffix, start, end } = view.target;
    targets.push({
      type: "SpecificResource",
      source: articleIri(ctx.baseUrl, ctx.articleId),
      // Two selectors for the same text are alternatives (model §4.2): quote first, as it survives edits.
      // An orphan's positions are those of the revision it was lost on, not of the article its source
      // names now: served, they pointed a client at other words. Its quote alone says what it was on.
      selector: [
        { type: "TextQuoteSelector", exact, ...(prefix && { prefix }), ...(suffix && { suffix }) },
        ...(view.anchor?.state === "orphaned" ? [] : [{ type: "TextPositionSelector", start, end }]),
      ],
    });
  }
  if (targets.length === 0) targets.push(articleIri(ctx.baseUrl, ctx.articleId));

  const fc = view.factcheck;
  return {
    id: annotationIri(ctx.baseUrl, ctx.articleId, view.id),
    type: "Annotation",
    ...(view.canonical && { canonical: view.canonical }),
    ...(view.via && { via: view.via }),
    motivation,
    created: dateTime(view.createdAt),
    // The last edit of what the annotation says (docs/w3c.md). Not updatedAt: a resolve, a tag or a
    // moderator's hide moves that too, and it is dated by the writer's clock, not the server's.
    ...(view.editedAt && { modified: dateTime(view.editedAt) }),
    ...(view.author.id && {
      creator: { id: userIri(ctx.baseUrl, view.author.id), type: "Person", ...(view.author.name && { name: view.author.name }) },
    }),
    ...(bodies.length > 0 && { body: bodies.length === 1 ? bodies[0] : bodies }),
    target: targets.length === 1 ? targets[0] : targets,
    "mg:status": view.status,
    "mg:visibility": view.visibility,
    "mg:revision": view.revision,
    "mg:resolved": view.resolved,
    ...(view.color && { "mg:color": view.color }),
    ...(fc && {
      ...(fc.claim !== null && { "mg:claim": fc.claim }),
      ...(fc.verdict !== null && { "mg:verdict": fc.verdict }),
      ...(fc.confidence !== null && { "mg:confidence": fc.confidence }),
      // A source is a web page, so it is a node with that IRI rather than a string.
      "mg:sources": fc.sources.map((s) => ({ id: s.url, ...(s.title && { "mg:title": s.title }) })),
    }),
    "mg:stale": view.stale,
    ...(view.staleness && {
      "mg:staleness": {
        "mg:judgedRevision": view.staleness.judgedRevision,
        "mg:revision": view.staleness.revision,
        "mg:oldQuote": view.staleness.oldQuote,
        ...(view.staleness.newQuote !== null && { "mg:newQuote": view.staleness.newQuote }),
      },
    }),
    "mg:anchor": { "mg:state": view.anchor.state, ...(view.anchor.score !== null && { "mg:score": view.anchor.score }) },
    "mg:votes": { "mg:agree": view.votes.agree, "mg:disagree": view.votes.disagree },
  };
}

/** One annotation as a standalone W3C Web Annotation (JSON-LD). */
export function toW3C(view: AnnotationView, ctx: W3CContext): Record<string, unknown> {
  return { "@context": ANNOTATION_CONTEXT, ...toW3CItem(view, ctx) };
}

/** A collection changes when an annotation joins it or is edited, as the container's `modified` counts (container.ts). */
export const collectionChange = (v: Pick<AnnotationView, "createdAt" | "editedAt">) => dateTime(v.editedAt ?? v.createdAt);

export type CollectionContext = { baseUrl: string; articleId?: string; groupId?: string; label: string };

/**
 * A whole set of annotations as one AnnotationCollection with every item embedded in its single page
 * (`first`), as an export wants it. Items of several articles are fine: each names its own. An empty
 * collection has no pages, so `first` and `last` are left out (model §5.1: pages hold one or more items).
 */
export function toW3CCollection(views: AnnotationView[], ctx: CollectionContext): Record<string, unknown> {
  const id = ctx.articleId
    ? containerIri(ctx.baseUrl, ctx.articleId)
    : `${ctx.baseUrl}/w3c/groups/${ctx.groupId ?? "unknown"}/`;
  const pageId = `${id}?page=0`;
  const items = views.map((v) => toW3CItem(v, { baseUrl: ctx.baseUrl, articleId: v.articleId }));
  const modified = views.reduce<string | null>((max, v) => {
    const at = collectionChange(v);
    return max === null || at > max ? at : max;
  }, null);
  return {
    "@context": ANNOTATION_CONTEXT,
    id,
    type: "AnnotationCollection",
    label: ctx.label,
    total: views.length,
    ...(modified && { modified }),
    ...(items.length > 0 && {
      first: { id: pageId, type: "AnnotationPage", partOf: id, startIndex: 0, items },
      last: pageId,
    }),
  };
}
