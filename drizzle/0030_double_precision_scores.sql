-- Through text, so that a score stored as a real reads as it was written (0.7, not 0.699999988079071).
ALTER TABLE "annotations" ALTER COLUMN "confidence" SET DATA TYPE double precision USING "confidence"::text::double precision;--> statement-breakpoint
ALTER TABLE "annotations" ALTER COLUMN "anchor_score" SET DATA TYPE double precision USING "anchor_score"::text::double precision;
