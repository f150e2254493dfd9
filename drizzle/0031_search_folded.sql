-- Search reads text composed (NFC), with Arabic and Persian letter variants as one (searchFold in
-- packages/schema/src/tables/columns.ts). Before Postgres 17 a generated column's expression cannot be changed, so
-- the column is made again, in one statement so that the table is rewritten once; its index went with it and is
-- built again.
ALTER TABLE "annotations"
  DROP COLUMN "search",
  ADD COLUMN "search" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, translate(normalize(coalesce(body, '') || ' ' || coalesce(claim, '') || ' ' || coalesce(quote, ''), NFC), 'يىكة٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹', 'ییکه01234567890123456789'))) STORED;--> statement-breakpoint
CREATE INDEX "annotations_search_idx" ON "annotations" USING gin ("search");
