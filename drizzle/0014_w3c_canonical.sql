ALTER TABLE "annotations" ADD COLUMN "canonical" text;--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "via" text;