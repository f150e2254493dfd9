CREATE TABLE "revision_drafts" (
	"draft_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"text" text,
	"blocks" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "revision_drafts_draft_id_seq_pk" PRIMARY KEY("draft_id","seq")
);
--> statement-breakpoint
CREATE INDEX "revision_drafts_created_idx" ON "revision_drafts" USING btree ("created_at");--> statement-breakpoint
-- A large text is kept as written, out of line and not compressed. A revision is made from its draft's
-- parts by one statement (apps/server/src/services/revision-drafts.ts), and compressing 9 MB there took
-- the embedded database over a second, during which no other query ran; written as it is, a third of
-- that. A draft's parts are not compressed either, since that statement would decompress them again.
-- The cost is disk: a large text takes about twice the room it did (docs/architecture.md, "Large articles").
ALTER TABLE "article_revisions" ALTER COLUMN "text" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "revision_drafts" ALTER COLUMN "text" SET STORAGE EXTERNAL;
