-- Snapshots are stored uncompressed: reading back a pglz-compressed 8 MB state took Postgres about
-- 35 ms of a cold load against 17 ms uncompressed, for a third more disk (docs/architecture.md,
-- "Persistence and the commit"). Values written before this stay compressed until their next fold.
ALTER TABLE "doc_snapshots" ALTER COLUMN "state" SET STORAGE EXTERNAL;
