/**
 * What a ClaimReview breaks, as fact-check consumers read one: schema.org's ClaimReview with the fields
 * Google's fact-check markup requires and recommends. Written from those rules rather than from our
 * export, so that tests catch an export that drifts from what consumers accept.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown) => typeof v === "string" && v.trim().length > 0;
const isUrl = (v: unknown) => typeof v === "string" && /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v);
// schema.org Date or DateTime, in ISO 8601.
const isDate = (v: unknown) => typeof v === "string" && /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d)?)?$/.test(v) && !Number.isNaN(Date.parse(v));
const isType = (v: unknown, ...types: string[]) => isObject(v) && types.includes(v["@type"] as string);

function ratingProblems(rating: unknown, problems: string[]) {
  if (!isType(rating, "Rating")) return problems.push("reviewRating: must be a Rating");
  const r = rating as Json;
  // The words are what readers are shown; the number is optional, but must then be on a stated scale.
  if (!isText(r.alternateName)) problems.push("reviewRating.alternateName: required, the verdict in words");
  if (r.ratingValue === undefined) {
    if (r.bestRating !== undefined || r.worstRating !== undefined) problems.push("reviewRating: bestRating and worstRating describe a ratingValue, which is missing");
    return;
  }
  const [value, best, worst] = [r.ratingValue, r.bestRating, r.worstRating];
  if (![value, best, worst].every((n) => Number.isInteger(n))) return problems.push("reviewRating: ratingValue, bestRating and worstRating must be whole numbers");
  if ((worst as number) < 1) problems.push("reviewRating.worstRating: must be at least 1");
  if (!((worst as number) < (best as number))) problems.push("reviewRating: worstRating must be below bestRating");
  if ((value as number) < (worst as number) || (value as number) > (best as number)) problems.push("reviewRating.ratingValue: outside worstRating..bestRating");
}

function agentProblems(agent: unknown, where: string, problems: string[]) {
  if (!isType(agent, "Organization", "Person")) return problems.push(`${where}: must be an Organization or a Person`);
  if (!isText((agent as Json).name)) problems.push(`${where}.name: required`);
  if ((agent as Json).url !== undefined && !isUrl((agent as Json).url)) problems.push(`${where}.url: must be a URL`);
}

function claimProblems(claim: unknown, problems: string[]) {
  if (!isType(claim, "Claim")) return problems.push("itemReviewed: must be a Claim");
  const c = claim as Json;
  if (c.author !== undefined) agentProblems(c.author, "itemReviewed.author", problems);
  if (c.datePublished !== undefined && !isDate(c.datePublished)) problems.push("itemReviewed.datePublished: must be an ISO 8601 date");
  const appearances = c.appearance === undefined ? [] : Array.isArray(c.appearance) ? c.appearance : [c.appearance];
  if (appearances.length === 0) problems.push("itemReviewed.appearance: recommended, where the claim appeared");
  for (const a of appearances) {
    const url = isObject(a) ? a.url : a;
    if (!isUrl(url)) problems.push("itemReviewed.appearance: a URL, or a CreativeWork with a url");
  }
}

/** Every rule one ClaimReview breaks; an empty list when consumers would take it. */
export function claimReviewProblems(review: unknown, context: unknown = "https://schema.org"): string[] {
  const problems: string[] = [];
  if (!isType(review, "ClaimReview")) return ["@type: must be ClaimReview"];
  const r = review as Json;
  if (!/^https?:\/\/schema\.org\/?$/.test(String(r["@context"] ?? context))) problems.push("@context: must be schema.org");
  if (!isUrl(r.url)) problems.push("url: required, the page that holds the review");
  if (!isText(r.claimReviewed)) problems.push("claimReviewed: required, the claim in words");
  ratingProblems(r.reviewRating, problems);
  agentProblems(r.author, "author", problems);
  if (!isDate(r.datePublished)) problems.push("datePublished: must be an ISO 8601 date");
  claimProblems(r.itemReviewed, problems);
  return problems;
}

/** The problems of every review in an export's @graph. */
export function claimReviewExportProblems(doc: unknown): string[] {
  if (!isObject(doc) || !Array.isArray(doc["@graph"])) return ["export: a schema.org document with an @graph"];
  return doc["@graph"].flatMap((review, i) => claimReviewProblems(review, doc["@context"]).map((p) => `@graph[${i}].${p}`));
}
