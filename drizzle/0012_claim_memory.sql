-- pg_trgm is a trusted extension (Postgres 13+): the database owner may create it. PGlite loads it from its contrib build (apps/server/src/embedded/worker.mjs).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "annotations_claim_trgm_idx" ON "annotations" USING gin ("claim" gin_trgm_ops);
