-- Through text, so that a score stored as a real reads as it was written (0.7, not 0.699999988079071). One
-- statement, so that the table is rewritten once under its lock rather than once for each column.
ALTER TABLE "annotations"
  ALTER COLUMN "confidence" SET DATA TYPE double precision USING "confidence"::text::double precision,
  ALTER COLUMN "anchor_score" SET DATA TYPE double precision USING "anchor_score"::text::double precision;
