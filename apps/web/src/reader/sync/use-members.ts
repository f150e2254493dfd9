import { useCallback, useEffect, useRef, useState } from "react";
import { type Member, fetchMembers } from "../../api/groups.ts";

/**
 * Names for the author ids in the documents. The list is fetched again
 * (at most every few seconds) when an author we do not know appears,
 * e.g. someone added to the group after the page opened.
 */
export function useMembers(groupId: string, authorIds: readonly string[]): Map<string, Member> {
  const [members, setMembers] = useState<Map<string, Member>>(new Map());
  const lastFetch = useRef(0);

  const load = useCallback(async () => {
    lastFetch.current = Date.now();
    try {
      const list = await fetchMembers(groupId);
      setMembers(new Map(list.map((m) => [m.id, m])));
    } catch {
      // Names are a nicety: the threads still show without them.
    }
  }, [groupId]);

  useEffect(() => {
    void load();
  }, [load]);

  const key = authorIds.join(",");
  useEffect(() => {
    const unknown = authorIds.some((id) => id && !members.has(id));
    if (unknown && members.size > 0 && Date.now() - lastFetch.current > 5_000) void load();
  }, [key, members, load]);

  return members;
}
