-- Rows stored before the projection held a client's clock to the commit's (apps/server/src/sync/persist/projection.ts,
-- SELECT_LIST): a createdAt or updatedAt still to come, as a client could set it (a comment dated 2058 or
-- 9000), kept that annotation first in every newest-first listing and timeline. They take the time of this
-- migration, as the commit would have given them.
UPDATE "annotations" SET "created_at" = least("created_at", now()), "updated_at" = least("updated_at", now())
WHERE "created_at" > now() OR "updated_at" > now();
