import { and, asc, eq, inArray, isNotNull } from "drizzle-orm";
import { type Verdict, groupByPassage } from "@marginalia/schema";
import { annotations } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";
import { ordinalAlpha } from "../review/krippendorff.ts";

/**
 * The ordinal verdict scale, lowest first. "unverifiable" says the claim cannot be judged, not where it
 * falls on the scale, so it is left out of agreement.
 */
export const ORDINAL_VERDICTS = ["false", "mostly-false", "misleading", "mixed", "mostly-true", "true"] as const satisfies readonly Verdict[];
const rankOf = new Map<string, number>(ORDINAL_VERDICTS.map((v, i) => [v, i]));

export type PassageAgreement = {
  start: number;
  end: number;
  revision: number;
  reviewers: number;
  alpha: number | null;
  verdicts: Partial<Record<(typeof ORDINAL_VERDICTS)[number], number>>;
};
export type Agreement = { overall: { alpha: number | null; passages: number; reviewers: number }; passages: PassageAgreement[] };

/**
 * How far an article's reviewers agree on their verdicts: Krippendorff's ordinal alpha, with passages as
 * expert review groups them (`groupByPassage`) as the units and each submitted verdict (pending or
 * published, of any kind) as one coder's value. A reviewer who gave a passage two verdicts counts once,
 * with the later one. Only passages that two or more reviewers judged are listed: one verdict agrees
 * or disagrees with nothing.
 */
export async function articleAgreement(db: Db, articleId: string): Promise<Agreement> {
  const rows = await db
    .select({ authorId: annotations.authorId, verdict: annotations.verdict, target: annotations.target })
    .from(annotations)
    .where(and(eq(annotations.articleId, articleId), isNotNull(annotations.verdict), inArray(annotations.status, ["pending", "published"])))
    .orderBy(asc(annotations.createdAt), asc(annotations.id));
  const judged = rows.filter((r) => r.target && r.authorId && rankOf.has(r.verdict!));
  const passages = groupByPassage(judged, (r) => r.target).map((group) => {
    const byReviewer = new Map(group.map((r) => [r.authorId!, rankOf.get(r.verdict!)!]));
    return { group, values: [...byReviewer.values()] };
  });
  const units = passages.filter((p) => p.values.length >= 2);
  const result = ordinalAlpha(units.map((p) => p.values), ORDINAL_VERDICTS.length);
  return {
    overall: {
      alpha: round(result.alpha),
      passages: units.length,
      reviewers: new Set(units.flatMap((p) => p.group.map((r) => r.authorId!))).size,
    },
    passages: units.map((p, i) => {
      const verdicts: PassageAgreement["verdicts"] = {};
      for (const rank of p.values) verdicts[ORDINAL_VERDICTS[rank]!] = (verdicts[ORDINAL_VERDICTS[rank]!] ?? 0) + 1;
      const first = p.group[0]!.target!;
      return {
        start: Math.min(...p.group.map((r) => r.target!.start)),
        end: Math.max(...p.group.map((r) => r.target!.end)),
        revision: first.revision,
        reviewers: p.values.length,
        alpha: round(result.perUnit[i]!),
        verdicts,
      };
    }),
  };
}

const round = (x: number | null) => (x === null ? null : Math.round(x * 1e4) / 1e4);
