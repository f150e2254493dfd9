import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type Member, fetchMembers } from "../../api/groups.ts";

/** The least time between two fetches of the list; one asked for sooner waits for the rest of it. */
const REFETCH_MS = 5_000;

/**
 * Names for the member ids the page shows. `seen` lists them once for each time they appear (each
 * annotation's author and assignees, each presence): the list is fetched again, at most every few seconds,
 * when an id we have no name for appears more often than at the last fetch: someone added to the group
 * after the page opened, or a member removed and added back, who keeps their member id, writing again or
 * opening the article. The ids of former members stay unknown without asking again until they do. Other
 * members' changes are not told to the page; its own are (`changed`: its role or a rejoin), and the list
 * is fetched again then too. Once the page's session has ended for good (`live` false: removed, signed out)
 * the list is no longer ours to ask for, and the names it gave stay.
 */
export function useMembers(groupId: string, seen: readonly string[], changed: unknown = null, live = true): Map<string, Member> {
  const [members, setMembers] = useState<Map<string, Member>>(new Map());
  const [loaded, setLoaded] = useState(false);
  const counts = useMemo(() => {
    const found = new Map<string, number>();
    for (const id of seen) if (id) found.set(id, (found.get(id) ?? 0) + 1);
    return found;
  }, [seen]);
  const latest = useRef(counts);
  latest.current = counts;
  // How often each id appeared when the last fetch was asked for.
  const asked = useRef(new Map<string, number>());
  const lastFetch = useRef(0);

  const load = useCallback(async () => {
    lastFetch.current = Date.now();
    asked.current = new Map(latest.current);
    try {
      const list = await fetchMembers(groupId);
      setMembers(new Map(list.map((m) => [m.id, m])));
    } catch {
      // Names are a nicety: the threads still show without them.
    } finally {
      setLoaded(true);
    }
  }, [groupId]);

  const asking = useRef(live);
  asking.current = live;
  useEffect(() => {
    if (asking.current || lastFetch.current === 0) void load();
  }, [load, changed]);

  const wanted = [...counts].filter(([id, count]) => !members.has(id) && count > (asked.current.get(id) ?? 0)).map(([id]) => id);
  const key = wanted.sort().join(",");
  useEffect(() => {
    if (!loaded || !key || !live) return;
    const timer = setTimeout(() => void load(), Math.max(0, lastFetch.current + REFETCH_MS - Date.now()));
    return () => clearTimeout(timer);
  }, [key, loaded, load, live]);

  return members;
}
