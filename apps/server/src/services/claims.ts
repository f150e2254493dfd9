import { sql } from "drizzle-orm";
import { searchFold } from "@marginalia/schema/tables";
import type { Db } from "../db.ts";

export type ClaimMatch = { annotationId: string; articleId: string; claim: string; verdict: string; score: number };

/** How many matches a lookup answers at most. */
export const MAX_MATCHES = 10;
/** Below this a match is more likely a shared word than the same claim. */
const MIN_SCORE = 0.12;

/**
 * Claim memory: the group's published fact-checks whose claims read most like `q`, best first.
 *
 * Two signals, both inside Postgres: trigram similarity (pg_trgm), which survives reordering, inflection
 * and typos, and full-text rank over the claim's stemmed words, any of them matching (a paraphrase
 * rarely keeps every word). Each lies in 0..1; the score is their mean. `word_similarity` lets a short
 * query match a long claim that contains it. Both read text as full-text search does (searchFold).
 */
export async function similarClaims(db: Db, groupId: string, q: string): Promise<ClaimMatch[]> {
  // The driver's result is an array of rows; Db is typed for any driver.
  // Both sides folded (searchFold), the claim as its trigram index holds it, so a query without accents or
  // vowel marks finds a claim written with them; the folded constant is what the index is searched for.
  const claim = searchFold(sql`a.claim`);
  const query = searchFold(sql`${q}::text`);
  const rows = (await db.execute(sql`
    with query as (
      select nullif(replace(plainto_tsquery('english', ${query})::text, '&', '|'), '')::tsquery as words
    ), scored as (
      select a.id, a.article_id, a.claim, a.verdict::text as verdict,
        greatest(similarity(${claim}, ${query}), word_similarity(${query}, ${claim})) as trigram,
        coalesce(ts_rank_cd(to_tsvector('english', ${claim}), query.words, 32), 0) as words
      from annotations a, query
      where a.group_id = ${groupId}
        and a.kind = 'factcheck' and a.status = 'published' and a.visibility = 'group' and a.doc_name not like 'article:%:hidden'
        and a.claim is not null and a.verdict is not null
        and (${claim} % ${query} or ${query} <% ${claim} or (query.words is not null and to_tsvector('english', ${claim}) @@ query.words))
    )
    select id, article_id, claim, verdict, round(((trigram + least(1, words * 4)) / 2)::numeric, 4)::float8 as score
    from scored
    order by score desc, id
    limit ${MAX_MATCHES}
  `)) as unknown as Array<{ id: string; article_id: string; claim: string; verdict: string; score: number }>;
  return rows
    .filter((r) => r.score >= MIN_SCORE)
    .map((r) => ({ annotationId: r.id, articleId: r.article_id, claim: r.claim, verdict: r.verdict, score: Number(r.score) }));
}
