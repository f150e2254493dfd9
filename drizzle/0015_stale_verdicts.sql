ALTER TYPE "public"."moderation_action" ADD VALUE 'confirm';--> statement-breakpoint
ALTER TYPE "public"."notification_kind" ADD VALUE 'stale';--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "stale" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "staleness" jsonb;