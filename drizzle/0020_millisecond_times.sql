-- An annotation's times are what its document holds, milliseconds since 1970, and REST's cursors carry them
-- to the millisecond. A time the projection took from the commit instead (a client's clock running ahead:
-- apps/server/src/sync/persist/projection.ts, SELECT_LIST) kept Postgres's microseconds, and a page ending on such a
-- row began the next page with it again (oldest first: for ever) or skipped its neighbours (newest first).
UPDATE "annotations" SET "created_at" = date_trunc('milliseconds', "created_at"), "updated_at" = date_trunc('milliseconds', "updated_at")
WHERE "created_at" <> date_trunc('milliseconds', "created_at") OR "updated_at" <> date_trunc('milliseconds', "updated_at");
