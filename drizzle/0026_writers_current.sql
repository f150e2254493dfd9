-- Raises, inside the group commit, when an update was written under a member id its group no longer gives:
-- anonymity turned on meanwhile draws every member a new one (apps/server/src/services/groups.ts), and what
-- was written under the old id, the account's own, would link the member to their work (docs/architecture.md,
-- "Member ids"). Called once per commit with its writers as [group, account, member id] triples. It takes the
-- shared side of each group's advisory lock, which the switch takes exclusively, before it reads member_ids:
-- each query of a VOLATILE function takes a fresh snapshot, so a switch that committed while this waited is
-- seen, and a switch that waits for this commit then finds its rows. Class 23, which the committer reads as
-- permanent.
CREATE FUNCTION "marginalia_writers_current"(writers jsonb) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
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
  RETURN true;
END;
$$;
