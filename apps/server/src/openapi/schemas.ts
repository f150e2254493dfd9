import { z } from "zod";
import { ANCHOR_STATES, ANNOTATION_KINDS, ANNOTATION_STATUSES, VERDICTS, VISIBILITIES, publicUserSchema } from "@marginalia/schema";

/**
 * Schemas of what the server answers, for the OpenAPI document. They are strict where we own the shape
 * (a field the server sends and this does not list is a documentation bug the tests catch), and open
 * where the format is (W3C JSON-LD may carry any term its context defines).
 */

const dateTime = z.iso.datetime({ offset: true });
const person = z.strictObject({ id: z.string().nullable(), name: z.string().nullable() });

export const annotationViewSchema = z.strictObject({
  id: z.string(),
  articleId: z.uuid(),
  groupId: z.uuid(),
  kind: z.enum(ANNOTATION_KINDS),
  author: person,
  visibility: z.enum(VISIBILITIES),
  status: z.enum(ANNOTATION_STATUSES),
  revision: z.number().int(),
  target: z
    .strictObject({ revision: z.number().int(), exact: z.string(), prefix: z.string(), suffix: z.string(), start: z.number().int(), end: z.number().int() })
    .nullable(),
  body: z.string(),
  tags: z.array(z.string()),
  color: z.string().nullable(),
  factcheck: z
    .strictObject({
      claim: z.string().nullable(),
      verdict: z.enum(VERDICTS).nullable(),
      confidence: z.number().nullable(),
      sources: z.array(z.strictObject({ url: z.string(), title: z.string() })),
    })
    .nullable(),
  resolved: z.boolean(),
  parentId: z.string().nullable(),
  assignment: z.strictObject({ assignees: z.array(z.string()), dueAt: dateTime.nullable() }).nullable(),
  anchor: z.strictObject({ state: z.enum(ANCHOR_STATES), score: z.number().nullable() }),
  stale: z.boolean().describe("A fact-check whose passage a later revision changed: left out of exports until its verdict is confirmed or revised"),
  staleness: z
    .strictObject({
      judgedRevision: z.number().int().describe("The revision the verdict was given on"),
      revision: z.number().int().describe("The revision that changed the passage"),
      oldQuote: z.string().describe("The passage as it was judged"),
      newQuote: z.string().nullable().describe("The passage now, or null when it was orphaned"),
    })
    .nullable()
    .describe("How the passage changed, when stale; null otherwise"),
  votes: z.strictObject({ agree: z.number().int(), disagree: z.number().int() }),
  canonical: z.string().nullable().describe("A W3C client's canonical IRI for the annotation, kept as given"),
  via: z.string().nullable().describe("The id a W3C client sent when it created the annotation"),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const annotationPageSchema = z.strictObject({ annotations: z.array(annotationViewSchema), nextCursor: z.string().nullable() });

const jsonLd = (type: string, required: string[]) => ({
  type: "object",
  required: ["@context", "id", "type", ...required],
  properties: {
    "@context": { anyOf: [{ type: "string" }, { type: "array" }] },
    id: { type: "string", format: "uri" },
    type: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
  },
  description: `${type}, as JSON-LD with the anno.jsonld context: any term the context defines may appear`,
});

export const w3cAnnotationSchema = jsonLd("A W3C Web Annotation", ["target"]);
export const w3cContainerSchema = jsonLd("An annotation container: a Basic Container that is an AnnotationCollection", ["total"]);
export const w3cPageSchema = jsonLd("An AnnotationPage of the container", ["items", "partOf"]);

export const healthSchema = z.strictObject({ status: z.literal("ok") });
export const notReadySchema = z.strictObject({ status: z.literal("unavailable"), missing: z.array(z.enum(["database", "migrations", "relay"])) });

/** Who signed up or in: the public fields of the account, nothing more. */
export const userResponseSchema = z.strictObject({ user: z.strictObject(publicUserSchema.shape) });
/** The one answer sign-up gives, whether or not the address has an account. */
export const signupAnswerSchema = z.strictObject({ status: z.literal("confirmation-sent"), email: z.string() });
