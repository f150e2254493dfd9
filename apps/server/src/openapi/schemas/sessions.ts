import { z } from "zod";
import { ANNOTATION_KINDS, VERDICTS, roleSchema } from "@marginalia/schema";
import { ORDINAL_VERDICTS } from "../../services/agreement.ts";
import { person } from "./common.ts";

/**
 * An article's live session as numbers (services/summary.ts, agreement.ts, participation.ts). Times read
 * from the live document are epoch milliseconds, as the document keeps them.
 */

const epochMs = z.number().int().describe("Epoch milliseconds");
const count = z.number().int().nonnegative();
const counts = <K extends string>(keys: readonly K[]) => z.strictObject(Object.fromEntries(keys.map((k) => [k, count])) as Record<K, typeof count>);
const member = person.extend({ id: z.string() });

export const sessionSummarySchema = z.strictObject({
  articleId: z.uuid(),
  revision: z.number().int(),
  namesMasked: z.boolean().describe("People are shown to you under pseudonyms"),
  claims: z.strictObject({ total: count, published: count, inReview: count.describe("Drafts and those pending a moderator") }),
  verdicts: counts(VERDICTS).describe("Top-level fact-checks by verdict, every verdict listed"),
  threads: z.strictObject({ open: count, resolved: count }),
  annotations: counts([...ANNOTATION_KINDS, "replies"]),
  people: z.array(
    z.strictObject({
      user: member,
      present: z.boolean().describe("Connected now"),
      selections: z.array(z.strictObject({ start: count, end: count, quote: z.string().nullable() })),
      reading: z.array(z.string()).describe("Top-level annotations their selections touch"),
      assigned: z.array(z.strictObject({ annotationId: z.string(), resolved: z.boolean(), dueAt: epochMs.nullable() })),
    }),
  ),
  timeline: z.strictObject({
    bucketMs: z.number().int().describe("The width of each bucket"),
    buckets: z.array(z.strictObject({ start: epochMs, annotations: count, replies: count, verdicts: count })),
    latest: z.array(
      z.strictObject({
        at: epochMs,
        type: z.enum(["annotation", "reply"]),
        annotationId: z.string(),
        kind: z.enum(ANNOTATION_KINDS),
        verdict: z.enum(VERDICTS).nullable(),
        author: member,
      }),
    ),
  }),
});

const alpha = z.number().nullable().describe("Krippendorff's ordinal alpha; null when there is nothing to compare");

export const agreementSchema = z.strictObject({
  overall: z.strictObject({ alpha, passages: count, reviewers: count }),
  passages: z.array(
    z.strictObject({
      start: count,
      end: count,
      revision: z.number().int(),
      reviewers: count,
      alpha,
      verdicts: counts(ORDINAL_VERDICTS).partial().describe("How many reviewers gave each verdict"),
    }),
  ),
});

export const participationSchema = z.strictObject({
  articleId: z.uuid(),
  title: z.string(),
  revision: z.number().int(),
  textLength: count.describe("In code points"),
  members: z.array(
    z.strictObject({
      user: member,
      role: roleSchema.nullable().describe("Null for a former member whose work remains"),
      member: z.boolean(),
      annotations: counts([...ANNOTATION_KINDS, "total"]),
      replies: count,
      votesReceived: counts(["agree", "disagree"]),
      covered: count.describe("Code points under at least one of their top-level annotations"),
      coverage: z.number().min(0).max(1).describe("covered as a share of the text"),
      firstActiveAt: epochMs.nullable(),
      lastActiveAt: epochMs.nullable(),
      activeDays: z.array(z.string()).describe("UTC days (YYYY-MM-DD) they wrote in"),
      activeHours: count.describe("Distinct UTC clock hours they wrote in"),
    }),
  ),
});
