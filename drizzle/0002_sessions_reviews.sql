ALTER TYPE "public"."notification_kind" ADD VALUE 'assignment';--> statement-breakpoint
ALTER TYPE "public"."notification_kind" ADD VALUE 'review';--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "assignees" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "annotations" ADD COLUMN "due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "anonymous_to_peers" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "groups" ADD COLUMN "review_quorum" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "annotations_assignees_idx" ON "annotations" USING gin ("assignees");