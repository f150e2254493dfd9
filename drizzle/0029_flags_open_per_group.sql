-- The one-open-flag-per-member rule is a group's: annotation ids are unique only among what exists, so an id
-- another group deleted may be taken again, and a member of both groups flags each on its own
-- (docs/architecture.md, "Persistence and the commit"). Flags of what no longer exists in their group are
-- settled, as deleting an annotation or its article now settles them.
UPDATE "flags" SET "resolved_at" = now() WHERE "resolved_at" IS NULL AND NOT EXISTS (
  SELECT 1 FROM "annotations" a WHERE a."id" = "flags"."annotation_id" AND a."group_id" = "flags"."group_id"
);--> statement-breakpoint
DROP INDEX "flags_one_open_per_user";--> statement-breakpoint
CREATE UNIQUE INDEX "flags_one_open_per_user" ON "flags" USING btree ("group_id","annotation_id","user_id") WHERE resolved_at is null;
