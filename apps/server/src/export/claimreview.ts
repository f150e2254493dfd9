import type { Verdict } from "@marginalia/schema";
import type { AnnotationView } from "../services/annotation-view.ts";
import type { ExportArticle, ExportData } from "./load.ts";

/**
 * Our seven verdicts on a 1–5 truthfulness scale, as ClaimReview consumers
 * read `reviewRating`: the closer to `bestRating`, the truer. Google asks for
 * whole numbers, a `worstRating` of at least 1, and a number consistent with
 * the words in `alternateName`, which is what readers are actually shown.
 * "Misleading" shares 2 with "mostly false": it is accurate in its letter but
 * leaves a false impression, which is further from the truth than "mixed";
 * `alternateName` keeps the two apart.
 *
 * "Unverifiable" is not a point on that scale: no number would be honest, and
 * any we picked would be averaged into the claim's truthfulness by aggregators.
 * Its rating is therefore textual only: `alternateName` without `ratingValue`,
 * and without `bestRating`/`worstRating`, which describe a numeric value and
 * would otherwise default to 5 and 1 for a value that is not there.
 */
export const VERDICT_RATINGS: Record<Verdict, { label: string; value: number | null }> = {
  true: { label: "True", value: 5 },
  "mostly-true": { label: "Mostly true", value: 4 },
  mixed: { label: "Mixed", value: 3 },
  misleading: { label: "Misleading", value: 2 },
  "mostly-false": { label: "Mostly false", value: 2 },
  false: { label: "False", value: 1 },
  unverifiable: { label: "Unverifiable", value: null },
};
export const BEST_RATING = 5;
export const WORST_RATING = 1;

export const verdictLabel = (verdict: Verdict | null | undefined) =>
  verdict ? VERDICT_RATINGS[verdict].label : "No verdict";

/** The page a reader opens to see an annotation in context. */
export const annotationUrl = (baseUrl: string, articleId: string, annotationId: string) =>
  `${baseUrl}/articles/${articleId}#annotation-${encodeURIComponent(annotationId)}`;

/**
 * Only what the desk has stood behind publicly: published fact-checks in the
 * group document. A draft, a pending submission or a private note is not a
 * review anyone may cite, even when the exporting member can see it.
 */
export function isPublishedFactcheck(a: AnnotationView): boolean {
  return a.kind === "factcheck" && a.status === "published" && a.visibility === "group" && !!a.factcheck?.verdict;
}

export function toClaimReviews(data: ExportData, baseUrl: string): object {
  const graph = data.articles.flatMap((article) =>
    article.annotations.filter(isPublishedFactcheck).map((a) => claimReview(a, article, data, baseUrl)),
  );
  return { "@context": "https://schema.org", "@graph": graph };
}

function claimReview(a: AnnotationView, article: ExportArticle, data: ExportData, baseUrl: string) {
  const factcheck = a.factcheck!;
  const verdict = factcheck.verdict!;
  const { label, value } = VERDICT_RATINGS[verdict];
  const reviewRating =
    value === null
      ? { "@type": "Rating", alternateName: label }
      : { "@type": "Rating", ratingValue: value, bestRating: BEST_RATING, worstRating: WORST_RATING, alternateName: label };
  const author = article.byline ? { author: { "@type": "Person", name: bylineName(article.byline) } } : {};
  const published = article.publishedAt ? { datePublished: isoDate(article.publishedAt) } : {};
  const body = a.body.trim() ? { reviewBody: a.body } : {};
  const citation = factcheck.sources.length
    ? { citation: factcheck.sources.map((s) => ({ "@type": "CreativeWork", url: s.url, ...(s.title && { name: s.title }) })) }
    : {};
  return {
    "@type": "ClaimReview",
    url: annotationUrl(baseUrl, article.id, a.id),
    claimReviewed: factcheck.claim?.trim() || a.target?.exact || "",
    reviewRating,
    itemReviewed: {
      "@type": "Claim",
      appearance: {
        "@type": "Article",
        url: article.sourceUrl ?? `${baseUrl}/articles/${article.id}`,
        headline: article.title,
        ...author,
        ...published,
      },
    },
    author: { "@type": "Organization", name: data.group.name, url: `${baseUrl}/groups/${data.group.id}` },
    datePublished: isoDate(new Date(a.updatedAt)),
    ...body,
    ...citation,
  };
}

/** "By Jane Doe" is how bylines are printed, not the author's name. */
export function bylineName(byline: string): string {
  return byline.replace(/^\s*by\s+/i, "").trim() || byline.trim();
}

export const isoDate = (date: Date) => date.toISOString().slice(0, 10);
