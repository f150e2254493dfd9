ALTER TABLE "articles" ADD COLUMN "anchored_revision" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
-- Articles already stored count as re-anchored: resuming every corrected article at the first start would load
-- all their documents for a check that, before this column, nothing made (docs/architecture.md, "Anchoring").
UPDATE "articles" SET "anchored_revision" = "current_revision";
