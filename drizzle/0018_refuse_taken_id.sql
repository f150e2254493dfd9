-- Raises, inside the group commit's one statement, when an update's projection would take an annotation id
-- that belongs to another article or to another author (apps/server/src/sync/persist/projection.ts). The commit
-- then refuses that update alone, and its document is reloaded without it (docs/architecture.md,
-- "Persistence and the commit"): an id is never kept in a document whose annotation the listings, search
-- and REST would not show. Class 23 (integrity constraint violation), which the committer reads as permanent.
CREATE FUNCTION "marginalia_refuse_taken_id"(taken text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION 'annotation id % belongs to another article or author', taken USING ERRCODE = '23505';
END;
$$;
