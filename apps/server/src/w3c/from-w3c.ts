import { z } from "zod";
import {
  ANNOTATION_STATUSES,
  type AnnotationKind,
  type AnnotationStatus,
  MAX_BODY_LENGTH,
  type Source,
  VERDICTS,
  type Verdict,
  annotationFieldSchemas,
  languageInputSchema,
  sourceInputSchema,
} from "@marginalia/schema";
import { validate } from "../http/input.ts";
import { ANNO_CONTEXT } from "./conformance.ts";
import { fail, list, part, propertyOf, singleTyped } from "./fields.ts";
import { parseAnnotationIri } from "./iri.ts";
import { type SelectorHint, readSelectors } from "./selectors.ts";

/** A W3C annotation read into our terms; the route completes it against the article. */
export type W3CDraft = {
  kind: AnnotationKind;
  body: string;
  /**
   * The text bodies' language: null when they name none, undefined when there is no text body to carry
   * one (a PUT then keeps the stored language, as a GET of an annotation without a body shows none).
   */
  language?: string | null;
  tags: string[];
  /** The annotation replied to, when a target is one of our annotation IRIs. */
  parent: { articleId: string; annotationId: string } | null;
  selector: SelectorHint | null;
  /** Every resource the targets name other than an annotation replied to, with the field that names it. */
  sources: { iri: string; field: string }[];
  /** Kept as given (protocol §5.1): the client's canonical IRI, and the id it sent, as `via`. */
  canonical?: string;
  via?: string;
  /** Fact-check fields as given; claim and sources may be left to the route's defaults. */
  factcheck: { verdict: Verdict; claim?: string; confidence?: number; sources?: Source[] } | null;
  visibility?: "group" | "private";
  status?: AnnotationStatus;
  color?: string | null;
  resolved?: boolean;
};

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/**
 * A resource a target names: its IRI, or a node with that IRI as its id (and maybe a type), the same
 * resource either way. `at` is where the IRI sits, below the target's field, for a refusal to name.
 */
const resourceIri = z.union([
  z.string().min(1).transform((iri) => ({ iri, at: "" })),
  z.looseObject({ id: z.string().min(1) }).transform((node) => ({ iri: node.id, at: ".id" })),
]);
const resourceSchema = z.union([
  z
    .looseObject({ source: resourceIri, selector: z.unknown().optional() })
    .transform((t) => ({ iri: t.source.iri, at: `.source${t.source.at}`, selector: t.selector })),
  resourceIri.transform((r) => ({ ...r, selector: undefined })),
], { error: "a target is an IRI, or a SpecificResource with a source and selectors" });

const textualBody = z.looseObject({
  type: z.literal("TextualBody", { error: "only TextualBody bodies can be stored" }).optional(),
  value: z.string({ error: "a TextualBody needs a string value" }).max(MAX_BODY_LENGTH, `a TextualBody holds at most ${MAX_BODY_LENGTH} characters`),
  purpose: z.union([z.string(), z.array(z.string())]).optional(),
});

/**
 * In the Data Model a string body is the IRI of an external body, as is a node with an id and no value
 * (§3.2.1). We store text, not links, so such a body is refused rather than kept as text it never was.
 */
function refuseExternal(raw: unknown, field: string) {
  if (typeof raw === "string" || (propertyOf(raw, "id") !== undefined && propertyOf(raw, "value") === undefined)) {
    throw fail(field, 'an external body (an IRI, given as a string or as an id without a value) is not supported: send the text as a TextualBody, {"type": "TextualBody", "value": "…"}, or as bodyValue');
  }
}

const MOTIVATIONS = { commenting: "comment", replying: "comment", highlighting: "highlight", assessing: "factcheck" } as const;
const motivation = z
  .string()
  .transform((m) => m.replace(/^(oa:|http:\/\/www\.w3\.org\/ns\/oa#)/, ""))
  .refine((m): m is keyof typeof MOTIVATIONS => m in MOTIVATIONS, { message: `use one of ${Object.keys(MOTIVATIONS).join(", ")}` });

const annotationSchema = z.looseObject({
  // Any shape JSON-LD allows (a string, an object, a list), so that one lacking the model's context is told so
  // rather than "Invalid input"; the context served over https names the same document.
  "@context": z
    .unknown()
    .refine((c) => (Array.isArray(c) ? c : [c]).some((one) => one === ANNO_CONTEXT || one === ANNO_CONTEXT.replace(/^http:/, "https:")), `must include ${ANNO_CONTEXT}`)
    .optional(),
  type: z.union([z.literal("Annotation"), z.array(z.string()).refine((t) => t.includes("Annotation"))], {
    error: 'must be "Annotation"',
  }),
  motivation: oneOrMany(motivation).optional(),
  body: z.unknown().optional(),
  // A plain-text body may also come as bodyValue (model §3.2.5).
  bodyValue: z.string().max(MAX_BODY_LENGTH).optional(),
  target: z.unknown().optional(),
  id: z.unknown().optional(),
  canonical: annotationFieldSchemas.canonical.unwrap().optional(),
  "mg:visibility": z.enum(["group", "private"]).optional(),
  "mg:status": z.enum(ANNOTATION_STATUSES).optional(),
  "mg:color": annotationFieldSchemas.color.optional(),
  "mg:resolved": z.boolean().optional(),
  "mg:verdict": z.enum(VERDICTS).optional(),
  "mg:claim": z.string().max(5_000).optional(),
  "mg:confidence": z.number().min(0).max(1).optional(),
  "mg:sources": z.array(z.looseObject({ id: z.string(), "mg:title": z.string().optional() })).max(50).optional(),
});

/**
 * A body's language in its canonical form, or null. Read apart from the body's shape so that a bad tag is
 * named as `body.language`. The model allows a body several (§3.2.5); one body is one text here, with one.
 */
function bodyLanguage(raw: unknown, field: string): string | null {
  const given = propertyOf(raw, "language");
  // JSON-LD reads a null value as the property left out.
  if (given === undefined || given === null || (Array.isArray(given) && given.length === 0)) return null;
  if (Array.isArray(given) && given.length > 1) throw fail(field, "give a body one language");
  return part(languageInputSchema, Array.isArray(given) ? given[0] : given, field);
}

const purposes = (b: z.output<typeof textualBody>) => (b.purpose === undefined ? [] : Array.isArray(b.purpose) ? b.purpose : [b.purpose]);

/**
 * Reads what a W3C client POSTs or PUTs: the shapes the Data Model allows for the parts we store.
 * Server-owned fields (id, created, creator…) are ignored; anything we could not store is refused with
 * the field named, rather than silently dropped.
 */
/**
 * `defaults`: what a replaced annotation holds. Its tags as stored pass as they are, so that a client that
 * GETs an annotation and PUTs it back with another body is not refused for tags a later rule would not take.
 */
export function fromW3C(input: unknown, defaults: { kind?: AnnotationKind; tags?: readonly string[] } = {}): W3CDraft {
  const doc = validate(annotationSchema, input);
  if (doc.body !== undefined && doc.bodyValue !== undefined) throw fail("bodyValue", "send body or bodyValue, not both");

  const texts: string[] = doc.bodyValue !== undefined ? [doc.bodyValue] : [];
  let language: string | null = null;
  const tags: string[] = [];
  const classes: string[] = [];
  for (const [i, given] of list(doc.body).entries()) {
    const at = Array.isArray(doc.body) ? `body.${i}` : "body";
    refuseExternal(given, at);
    const raw = singleTyped(given);
    // Bodies are plain text: HTML kept as its source would show its tags, and turned into text would not be what was sent.
    const format = propertyOf(raw, "format");
    if (format !== undefined && format !== "text/plain") throw fail(`${at}.format`, "bodies are plain text: send format text/plain, or none");
    const tagged = bodyLanguage(raw, `${at}.language`);
    const b = part(textualBody, raw, at);
    if (purposes(b).includes("tagging")) tags.push(b.value);
    else if (purposes(b).includes("classifying")) classes.push(b.value);
    else {
      texts.push(b.value);
      // The text bodies are joined into one body, which has one language.
      if (tagged && language && tagged !== language) throw fail(`${at}.language`, `the text bodies are stored as one text, in one language (${language})`);
      language ??= tagged;
    }
  }

  let parent: W3CDraft["parent"] = null;
  let hint: SelectorHint | null = null;
  const sources: W3CDraft["sources"] = [];
  const targets = list(doc.target);
  if (targets.length === 0) throw fail("target", "an annotation needs one or more targets");
  for (const [i, raw] of targets.entries()) {
    const field = Array.isArray(doc.target) ? `target.${i}` : "target";
    const t = part(resourceSchema, raw, field);
    const ref = parseAnnotationIri(t.iri);
    if (ref) {
      if (parent) throw fail("target", "reply to one annotation at a time");
      parent = ref;
      continue;
    }
    sources.push({ iri: t.iri, field: `${field}${t.at}` });
    const selector = readSelectors(t.selector, field);
    if (!selector) continue;
    if (hint) throw fail("target", "give one text target: several selectors of one target are alternatives");
    hint = selector;
  }

  const kinds = new Set((doc.motivation ?? []).map((m) => MOTIVATIONS[m as keyof typeof MOTIVATIONS]));
  if (kinds.size > 1) throw fail("motivation", "the motivations name different kinds of annotation");
  const motivations = new Set(doc.motivation ?? []);
  // Without a motivation (a SHOULD, not a MUST), the annotation keeps its kind, or its shape says it.
  const kind: AnnotationKind = [...kinds][0] ?? defaults.kind ?? (parent || texts.length > 0 ? "comment" : "highlight");
  if (motivations.has("replying") && !parent) throw fail("target", "a reply targets the IRI of the annotation it answers");

  const body = texts.join("\n\n");
  if (body.length > MAX_BODY_LENGTH) throw fail("body", `at most ${MAX_BODY_LENGTH} characters in all`);
  const unchanged = defaults.tags !== undefined && defaults.tags.length === tags.length && defaults.tags.every((tag, i) => tag === tags[i]);
  const parsedTags = unchanged ? ({ success: true, data: tags } as const) : annotationFieldSchemas.tags.safeParse(tags);
  if (!parsedTags.success) throw fail("body", `tagging bodies: ${parsedTags.error.issues[0]?.message ?? "at most 20 tags, each 1–64 characters"}`);

  let factcheck: W3CDraft["factcheck"] = null;
  if (kind === "factcheck") {
    const isVerdict = (c: string): c is Verdict => (VERDICTS as readonly string[]).includes(c);
    if (!classes.every(isVerdict)) throw fail("body", `a classifying body holds the verdict: one of ${VERDICTS.join(", ")}`);
    const verdicts = [...new Set(classes)];
    const given = doc["mg:verdict"];
    if (verdicts.length > 1) throw fail("body", "more than one verdict");
    if (given && verdicts[0] && given !== verdicts[0]) throw fail("mg:verdict", "disagrees with the classifying body");
    const verdict = given ?? verdicts[0];
    if (!verdict) throw fail("body", `an assessing annotation needs its verdict: a classifying TextualBody, one of ${VERDICTS.join(", ")}`);
    const sources = doc["mg:sources"]?.map((s, i) => {
      const parsed = sourceInputSchema.safeParse({ url: s.id, title: s["mg:title"] ?? "" });
      if (!parsed.success) throw fail(`mg:sources.${i}`, "a source is {id: an http(s) URL, mg:title?}");
      return parsed.data;
    });
    factcheck = {
      verdict,
      ...(doc["mg:claim"] !== undefined && { claim: doc["mg:claim"] }),
      ...(doc["mg:confidence"] !== undefined && { confidence: doc["mg:confidence"] }),
      ...(sources && { sources }),
    };
  } else if (classes.length > 0) {
    throw fail("body", "only an assessing annotation takes a classifying body");
  }

  return {
    kind,
    body,
    ...(texts.length > 0 && { language }),
    tags: parsedTags.data,
    parent,
    selector: hint,
    sources,
    factcheck,
    ...(doc.canonical !== undefined && { canonical: doc.canonical }),
    ...(typeof doc.id === "string" && annotationFieldSchemas.via.safeParse(doc.id).success && { via: doc.id }),
    ...(doc["mg:visibility"] && { visibility: doc["mg:visibility"] }),
    ...(doc["mg:status"] && { status: doc["mg:status"] }),
    ...(doc["mg:color"] !== undefined && { color: doc["mg:color"] }),
    ...(doc["mg:resolved"] !== undefined && { resolved: doc["mg:resolved"] }),
  };
}
