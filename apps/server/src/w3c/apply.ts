import { type AnnotationPatch, type CodePointIndex, type Factcheck, type TextTarget, sameFactcheck, sameTarget } from "@marginalia/schema";
import { validate } from "../http/input.ts";
import { createAnnotationSchema, patchAnnotationSchema } from "../routes/annotations.ts";
import type { AnnotationView } from "../services/annotation-view.ts";
import type { CreateRequest } from "../services/annotations.ts";
import { fail } from "./fields.ts";
import type { W3CDraft } from "./from-w3c.ts";
import type { SelectorHint } from "./selectors.ts";
import { motivationOf } from "./mapping.ts";
import { clip, targetFromSelectors } from "./target.ts";
import { normalIri } from "./iri.ts";

/** Turns a W3C draft into what the annotation services take: a create request, or a patch. */

/**
 * The container's article: the IRIs that name it, and its current text and revision, fetched only when a
 * selector has to be checked against it.
 */
/** `text`: the current revision's text, indexed by code point, read only when a selector asks for it. */
export type ContainerArticle = { iris: readonly string[]; text: () => Promise<{ index: CodePointIndex; revision: number }> };
type Parent = { id: string; target: TextTarget | null; visibility: "group" | "private" };

const MAX_CLAIM = 5_000;

/**
 * A fact-check's fields: given ones win, then the current ones; a new claim defaults to the quoted
 * text, which is what a fact-check of a passage checks.
 */
function completeFactcheck(given: NonNullable<W3CDraft["factcheck"]>, current: AnnotationView["factcheck"], target: TextTarget | null): Factcheck {
  const confidence = given.confidence ?? current?.confidence ?? undefined;
  return {
    claim: given.claim ?? current?.claim ?? clip(target?.exact ?? "", MAX_CLAIM, "start"),
    verdict: given.verdict,
    ...(confidence !== undefined && { confidence }),
    sources: given.sources ?? current?.sources ?? [],
  };
}

/**
 * A container holds annotations of its article only: a target naming another resource is refused rather
 * than stored as a note on the article, which would change what the client said it annotated.
 */
function onlyThisArticle(draft: W3CDraft, article: ContainerArticle) {
  const ours = new Set(article.iris.map(normalIri));
  const other = draft.sources.find((s) => !ours.has(normalIri(s.iri)));
  if (other) throw fail(other.field, `this container holds annotations of ${article.iris[0]} only, not of ${other.iri}`);
}

async function resolveOnArticle(selector: SelectorHint, article: ContainerArticle): Promise<TextTarget> {
  const { index, revision } = await article.text();
  return targetFromSelectors(selector, index, revision);
}

export async function toCreateRequest(draft: W3CDraft, article: ContainerArticle, parent: Parent | null): Promise<CreateRequest> {
  onlyThisArticle(draft, article);
  // A reply to a private note stays private: shared, it would point at something others cannot see.
  if (parent?.visibility === "private" && draft.visibility === "group") throw fail("mg:visibility", "a reply to a private note stays private");
  // Left out, the group's rules place it, as REST does (services/annotations.ts).
  const visibility = parent?.visibility === "private" ? "private" : draft.visibility;
  // A reply without a text target discusses the same passage as its parent, as REST replies do.
  const target = draft.selector ? await resolveOnArticle(draft.selector, article) : (parent?.target ?? null);
  const request = validate(createAnnotationSchema, {
    kind: draft.kind,
    body: draft.body,
    ...(draft.language && { language: draft.language }),
    tags: draft.tags,
    target,
    ...(visibility && { visibility }),
    ...(parent && { parentId: parent.id }),
    ...(draft.factcheck && { factcheck: completeFactcheck(draft.factcheck, null, target) }),
    ...(draft.status && { status: draft.status }),
    ...(draft.color !== undefined && { color: draft.color }),
    ...(draft.canonical !== undefined && { canonical: draft.canonical }),
    ...(draft.via !== undefined && { via: draft.via }),
  });
  // Checked above against the text, positions and all.
  return { ...request, target };
}

/** Whether the selectors still describe the stored target, so that a GET-edit-PUT keeps it as it is. */
function describes(hint: SelectorHint, t: TextTarget | null): t is TextTarget {
  // A range says where its ends are, not the span itself: it is resolved again, and compared after.
  if (!t || hint.range) return false;
  return (["exact", "prefix", "suffix", "start", "end"] as const).every((k) => hint[k] === undefined || hint[k] === t[k]);
}

/** The stored fact-check as a document's field holds it, for `sameFactcheck`: no confidence is an absent key there, a null here. */
const asField = (stored: AnnotationView["factcheck"]) => stored && { ...stored, confidence: stored.confidence ?? undefined };

/**
 * PUT replaces the annotation (protocol §5.3), so W3C-native parts (body, tags, target) take the new
 * value, absent or not; `canonical`, which never changes, may be left out. Our extension fields are left alone when absent, because a plain W3C client
 * would not know to send them. The patch holds only what changed: the services check every field
 * a patch names against the caller's rights, and a moderator may change only a few.
 */
export async function toPatch(draft: W3CDraft, view: AnnotationView, article: ContainerArticle): Promise<AnnotationPatch> {
  onlyThisArticle(draft, article);
  if (draft.kind !== view.kind) throw fail("motivation", `this is a ${motivationOf(view)} annotation, and that cannot change`);
  if ((draft.parent?.annotationId ?? null) !== view.parentId) throw fail("target", "the annotation replied to cannot change");
  if (draft.visibility && draft.visibility !== view.visibility) throw fail("mg:visibility", "cannot change; create a new annotation");
  // The protocol keeps a canonical IRI unchanged; leaving it out of a PUT keeps it too.
  if (draft.canonical !== undefined && draft.canonical !== view.canonical) throw fail("canonical", "a canonical IRI never changes");

  let target: TextTarget | null = null;
  if (draft.selector) {
    if (describes(draft.selector, view.target)) target = view.target;
    else {
      target = await resolveOnArticle(draft.selector, article);
    }
  }

  const patch: AnnotationPatch = {};
  if (draft.body !== view.body) patch.body = draft.body;
  if (draft.language !== undefined && draft.language !== view.language) patch.language = draft.language;
  if (draft.tags.length !== view.tags.length || draft.tags.some((t, i) => t !== view.tags[i])) patch.tags = draft.tags;
  if (!sameTarget(target, view.target)) patch.target = target;
  if (draft.factcheck) {
    const factcheck = completeFactcheck(draft.factcheck, view.factcheck, target);
    if (!sameFactcheck(factcheck, asField(view.factcheck))) patch.factcheck = factcheck;
  }
  if (draft.status !== undefined && draft.status !== view.status) patch.status = draft.status;
  if (draft.color !== undefined && draft.color !== view.color) patch.color = draft.color;
  if (draft.resolved !== undefined && draft.resolved !== view.resolved) patch.resolved = draft.resolved;
  if (Object.keys(patch).length === 0) return patch;
  const { target: _checkedAbove, ...checked } = validate(patchAnnotationSchema, patch);
  return { ...checked, ...(patch.target !== undefined && { target: patch.target }) };
}
