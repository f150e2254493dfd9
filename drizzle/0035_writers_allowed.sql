-- The group commit's check of its writers (drizzle/0026), now also of their roles: each writer may carry, as a
-- fourth element, the least role its update needs ('annotator' to write, 'moderator' for what only a moderator
-- may do), and a writer who no longer holds it, or is no longer a member, is refused. A socket judges updates
-- under the role it last heard of, which lags a demotion or removal made on another process until the relay
-- tells it (docs/architecture.md, "Roles at the commit"). The member-id check comes first and keeps its words.
-- Memberships are read unlocked, each query with a fresh snapshot: a demotion or removal reads nothing a commit
-- writes, so a commit that read the role before the demotion committed is ordered before it, and one after it
-- sees it. Class 23, which the committer reads as permanent.
CREATE OR REPLACE FUNCTION "marginalia_writers_current"(writers jsonb) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  stale jsonb;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('member-ids:' || g::text))
  FROM (SELECT DISTINCT (w->>0)::uuid AS g FROM jsonb_array_elements(writers) w ORDER BY 1) named;
  SELECT w INTO stale FROM jsonb_array_elements(writers) w
  WHERE NOT EXISTS (
    SELECT 1 FROM member_ids m WHERE m.group_id = (w->>0)::uuid AND m.user_id = (w->>1)::uuid AND m.member_id = (w->>2)::uuid
  )
  LIMIT 1;
  IF stale IS NOT NULL THEN
    RAISE EXCEPTION 'member id % of group % is no longer current', stale->>2, stale->>0 USING ERRCODE = '23514';
  END IF;
  -- The role enum runs from owner down to viewer, so "at least" is "at most" in its order.
  SELECT w INTO stale FROM jsonb_array_elements(writers) w
  WHERE w->>3 IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM memberships m WHERE m.group_id = (w->>0)::uuid AND m.user_id = (w->>1)::uuid AND m.role <= (w->>3)::role
  )
  LIMIT 1;
  IF stale IS NOT NULL THEN
    RAISE EXCEPTION 'writer % of group % no longer holds the % role', stale->>2, stale->>0, stale->>3 USING ERRCODE = '23514';
  END IF;
  RETURN true;
END;
$$;
