import { z } from "zod";
import {
  ANCHOR_STATES,
  ANNOTATION_KINDS,
  ANNOTATION_STATUSES,
  VERDICTS,
  VISIBILITIES,
  flagSelectSchema,
  moderationLogSelectSchema,
  sourceSchema,
  textTargetSchema,
  voteValueSchema,
} from "@marginalia/schema";
import { columnsOf, dateTime, listOf, person } from "./common.ts";

/** Annotations as the REST API presents them (services/annotation-view.ts), and what is said about them. */

const votes = z.strictObject({ agree: z.number().int(), disagree: z.number().int() });

export const annotationViewSchema = z.strictObject({
  id: z.string(),
  articleId: z.uuid(),
  groupId: z.uuid(),
  kind: z.enum(ANNOTATION_KINDS),
  author: person,
  visibility: z.enum(VISIBILITIES),
  status: z.enum(ANNOTATION_STATUSES),
  revision: z.number().int(),
  target: z.strictObject(textTargetSchema.shape).nullable(),
  body: z.string(),
  language: z.string().nullable().describe("The body's language, a canonical BCP 47 tag (fa-IR); null when unknown"),
  tags: z.array(z.string()),
  color: z.string().nullable(),
  factcheck: z
    .strictObject({
      claim: z.string().nullable(),
      verdict: z.enum(VERDICTS).nullable(),
      confidence: z.number().nullable(),
      sources: z.array(z.strictObject(sourceSchema.shape)),
    })
    .nullable(),
  resolved: z.boolean(),
  parentId: z.string().nullable(),
  assignment: z.strictObject({ assignees: z.array(z.string()).describe("Member ids"), dueAt: dateTime.nullable() }).nullable(),
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
  votes,
  canonical: z.string().nullable().describe("A W3C client's canonical IRI for the annotation, kept as given"),
  via: z.string().nullable().describe("The id a W3C client sent when it created the annotation"),
  createdAt: dateTime,
  updatedAt: dateTime.describe("Its last change of any kind, a status step or a resolve among them"),
  editedAt: dateTime.nullable().describe("When its author last changed its body or fact-check; null while it reads as first written"),
});

export const annotationPageSchema = z.strictObject({
  annotations: z.array(annotationViewSchema),
  nextCursor: z.string().nullable().describe("Send as `cursor` for the next page; null on the last"),
});

/** GET /api/articles/:articleId/highlights (services/highlights.ts): what the reader paints before its documents sync. */
export const highlightListSchema = z.strictObject({
  revision: z.number().int().describe("The article's current revision, which every span is on"),
  highlights: z.array(
    z.strictObject({
      id: z.string(),
      start: z.number().int().describe("Code points, as the target's TextPositionSelector counts them"),
      end: z.number().int(),
      kind: z.enum(ANNOTATION_KINDS),
      status: z.enum(ANNOTATION_STATUSES),
      resolved: z.boolean(),
      visibility: z.enum(VISIBILITIES),
      verdict: z.enum(VERDICTS).optional().describe("A fact-check's verdict, when it has one"),
      stale: z.boolean().describe("A fact-check whose passage a later revision changed, as `stale` on the annotation says"),
    }),
  ),
});

export const assignmentViewSchema = z.strictObject({
  annotationId: z.string(),
  assignees: z.array(person.extend({ answeredAt: dateTime.nullable().describe("When they first answered, or null") })),
  dueAt: dateTime.nullable(),
  answered: z.number().int().describe("How many assignees have answered"),
  done: z.boolean().describe("Every assignee has answered"),
});

export const voteResultSchema = z.strictObject({ votes, mine: voteValueSchema.nullable().describe("Your vote now") });

export const similarClaimsSchema = listOf(
  "matches",
  z.strictObject({
    annotationId: z.string(),
    articleId: z.uuid(),
    claim: z.string(),
    verdict: z.enum(VERDICTS),
    score: z.number().min(0).max(1).describe("The mean of trigram similarity and full-text rank"),
  }),
);

export const myAssignmentsSchema = listOf(
  "assignments",
  z.strictObject({
    annotation: z.strictObject({
      id: z.string(),
      kind: z.enum(ANNOTATION_KINDS),
      status: z.enum(ANNOTATION_STATUSES),
      quote: z.string().nullable(),
      claim: z.string().nullable(),
      body: z.string().describe("The first 280 characters"),
    }),
    article: z.strictObject({ id: z.uuid(), title: z.string() }),
    groupId: z.uuid(),
    dueAt: dateTime.nullable(),
    overdue: z.boolean().describe("The due time passed and you have not answered"),
    answered: z.boolean(),
    answeredAt: dateTime.nullable(),
    progress: z.strictObject({ answered: z.number().int(), total: z.number().int(), done: z.boolean() }),
    createdAt: dateTime,
  }),
);

export const moderationQueueSchema = listOf(
  "items",
  z.strictObject({
    annotation: annotationViewSchema,
    version: z.string().describe("What the moderator reviews (text, fact-check, passage, tags): send it as If-Match to approve, reject or publish, refused with 412 if the author changed it since"),
    reason: z.enum(["submission", "review", "flagged"]).describe("A private submission, a fact-check in review, or open flags"),
    flags: z.strictObject({ count: z.number().int(), reasons: z.array(z.string()) }),
    passage: z
      .strictObject({
        id: z.string().describe("The passage, named by its first review"),
        reviews: z.number().int().describe("Independent reviews of the passage"),
        quorum: z.number().int(),
        ready: z.boolean().describe("The quorum is reached"),
      })
      .nullable(),
  }),
);

export const moderationLogSchema = z.strictObject({
  entries: z.array(
    z.strictObject({
      ...columnsOf(moderationLogSelectSchema, "id", "annotationId", "action", "oldStatus", "newStatus", "reason", "createdAt"),
      actor: person,
    }),
  ),
  nextCursor: annotationPageSchema.shape.nextCursor,
});

export const flagCreatedSchema = z.strictObject(columnsOf(flagSelectSchema, "id"));

export const flagsDismissedSchema = z.strictObject({ dismissed: z.number().int().positive().describe("The open flags resolved") });
