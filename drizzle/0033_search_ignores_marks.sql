-- Search drops the marks a reader may leave out (accents, Arabic and Persian vowel marks, tatweel, zero-width
-- joiners) on both sides, as the web app's search does (searchFold in packages/schema/src/tables/columns.ts).
-- The generated column is made again in one statement, so the table is rewritten once; its index went with it
-- and is built again. Claim memory's trigram index now holds the folded claim, which is what it is searched for.
DROP INDEX "annotations_claim_trgm_idx";--> statement-breakpoint
ALTER TABLE "annotations"
  DROP COLUMN "search",
  ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, translate(normalize(regexp_replace(normalize(coalesce(body, '') || ' ' || coalesce(claim, '') || ' ' || coalesce(quote, ''), NFKD), '[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]', '', 'g'), NFC), 'يىكة٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', 'ییکه01234567890123456789'))) STORED;--> statement-breakpoint
CREATE INDEX "annotations_search_idx" ON "annotations" USING gin ("search");--> statement-breakpoint
CREATE INDEX "annotations_claim_trgm_idx" ON "annotations" USING gin (translate(normalize(regexp_replace(normalize("claim", NFKD), '[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200c\u200d]', '', 'g'), NFC), 'يىكة٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', 'ییکه01234567890123456789') gin_trgm_ops);
