import { useEffect, useRef } from "react";
import type { Member } from "../../api/groups.ts";
import { useBatchedAnnouncer } from "../../app/announcer.tsx";
import type { Peer } from "../../sync/peer-store.ts";
import { peerName } from "./PresenceBar.tsx";
import { type PresenceChange, describePresence } from "./presence-words.ts";

/**
 * Tells a screen reader who comes to the article and who leaves, which the presence bar only shows. Who
 * was there when the document synced is not news, nor are the comings and goings seen while this page was
 * away: a dropped connection empties the presence list and the next sync fills it again, and that is told
 * by the connection status, not as everyone leaving and coming back. A person counts once however many
 * tabs they have open. Focus never moves for it.
 */
export function usePresenceAnnouncer(peers: readonly Peer[], self: string, members: ReadonlyMap<string, Member>, synced: boolean) {
  const here = useRef<Map<string, string> | null>(null);
  const names = useRef(members);
  names.current = members;
  const tell = useBatchedAnnouncer<PresenceChange>(describePresence);
  useEffect(() => {
    if (!synced) {
      here.current = null;
      return;
    }
    const now = new Map<string, string>();
    for (const peer of peers) if (peer.user.id !== self && !now.has(peer.user.id)) now.set(peer.user.id, peerName(peer, names.current));
    const before = here.current;
    here.current = now;
    if (!before) return;
    for (const [userId, name] of now) if (!before.has(userId)) tell({ userId, name, here: true });
    for (const [userId, name] of before) if (!now.has(userId)) tell({ userId, name, here: false });
  }, [peers, self, synced, tell]);
}
