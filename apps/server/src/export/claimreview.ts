import { BEST_RATING, VERDICT_SCALE, type Verdict, WORST_RATING, annotationPath } from "@marginalia/schema";
import type { AnnotationView } from "../services/annotation-view.ts";
import { closeBidiDeep } from "./bidi.ts";
import type { ExportArticle, ExportData } from "./load.ts";
import { webUrl } from "./web-url.ts";

/**
 * schema.org ClaimReview, as fact-check consumers (Google's fact-check markup) read it: docs/claimreview.md
 * lists the fields. Ratings come from the one verdict scale (VERDICT_SCALE in packages/schema).
 */

export const verdictLabel = (verdict: Verdict | null | undefined) => (verdict ? VERDICT_SCALE[verdict].label : "No verdict");

/** The rating a ClaimReview gives a verdict: numeric on the scale, or the label alone for "unverifiable". */
export function reviewRating(verdict: Verdict) {
  const { label, rating } = VERDICT_SCALE[verdict];
  // bestRating and worstRating describe a numeric value; without one they would default to 5 and 1.
  if (rating === null) return { "@type": "Rating", alternateName: label };
  return { "@type": "Rating", ratingValue: rating, bestRating: BEST_RATING, worstRating: WORST_RATING, alternateName: label };
}

/** The page a reader opens to see an annotation in context: the address the app itself links to and reads. */
export const annotationUrl = (baseUrl: string, articleId: string, annotationId: string) => `${baseUrl}${annotationPath(articleId, annotationId)}`;

/**
 * Only what the desk has stood behind publicly: published fact-checks in the
 * group document. A draft, a pending submission or a private note is not a
 * review anyone may cite, even when the exporting member can see it.
 */
export function isPublishedFactcheck(a: AnnotationView): boolean {
  return a.kind === "factcheck" && a.status === "published" && a.visibility === "group" && !!a.factcheck?.verdict;
}

/** The claim a review answers: as the fact-checker wrote it, else the words it quotes; "" when neither says. */
const claimOf = (a: AnnotationView) => a.factcheck?.claim?.trim() || a.target?.exact.trim() || "";

export function toClaimReviews(data: ExportData, baseUrl: string): object {
  // A review of no stated claim (no claim written, no words quoted) is one consumers refuse whole: left out.
  const graph = data.articles.flatMap((article) =>
    article.annotations.filter((a) => isPublishedFactcheck(a) && claimOf(a) !== "").map((a) => claimReview(a, article, data, baseUrl)),
  );
  // Search engines show these fields as they are: a control a claim leaves open is closed (bidi.ts).
  return { "@context": "https://schema.org", "@graph": closeBidiDeep(graph) };
}

function claimReview(a: AnnotationView, article: ExportArticle, data: ExportData, baseUrl: string) {
  const factcheck = a.factcheck!;
  const verdict = factcheck.verdict!;
  const author = article.byline ? { author: { "@type": "Person", name: bylineName(article.byline) } } : {};
  const published = article.publishedAt ? { datePublished: isoDate(article.publishedAt) } : {};
  const body = a.body.trim() ? { reviewBody: a.body } : {};
  const cited = factcheck.sources.flatMap((s) => {
    const url = webUrl(s.url);
    return url ? [{ "@type": "CreativeWork", url, ...(s.title && { name: s.title }) }] : [];
  });
  const citation = cited.length ? { citation: cited } : {};
  return {
    "@type": "ClaimReview",
    url: annotationUrl(baseUrl, article.id, a.id),
    claimReviewed: claimOf(a),
    reviewRating: reviewRating(verdict),
    // The claim was made by the article's author when it was published; it appears in the article, at the
    // quoted words, which a text fragment lets a browser scroll to and highlight.
    itemReviewed: {
      "@type": "Claim",
      ...author,
      ...published,
      appearance: {
        "@type": "Article",
        url: withTextFragment(webUrl(article.sourceUrl ?? "") ?? `${baseUrl}/articles/${article.id}`, a.target?.exact),
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

/** Words a text directive may hold: it ends at "&", its parts are split at "," and marked with "-". */
const directivePart = (words: string) => encodeURIComponent(words).replace(/-/g, "%2D").replace(/,/g, "%2C").replace(/&/g, "%26");
/** A long quote is named by its first and last words (textStart,textEnd), which keeps the URL short. */
const FRAGMENT_WORDS = 6;

/**
 * The page's URL with a text fragment (`#:~:text=`, URL Fragment Text Directives) for the quote, so that
 * the appearance points at the claim's words rather than only the page. Any fragment the URL had is
 * replaced; without a quote, the URL is the page's. `url` is one webUrl serialised, and so is the result.
 */
export function withTextFragment(url: string, quote: string | undefined): string {
  const words = quote?.trim().split(/\s+/).filter(Boolean) ?? [];
  if (words.length === 0) return url;
  const page = url.split("#")[0]!;
  const text =
    words.length <= FRAGMENT_WORDS * 2
      ? directivePart(words.join(" "))
      : `${directivePart(words.slice(0, FRAGMENT_WORDS).join(" "))},${directivePart(words.slice(-FRAGMENT_WORDS).join(" "))}`;
  return `${page}#:~:text=${text}`;
}

/** "By Jane Doe" is how bylines are printed, not the author's name. */
export function bylineName(byline: string): string {
  return byline.replace(/^\s*by\s+/i, "").trim() || byline.trim();
}

export const isoDate = (date: Date) => date.toISOString().slice(0, 10);
