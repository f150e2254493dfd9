import { useEffect, useLayoutEffect, useState } from "react";
import type { DocSession } from "../../sync/doc-session.ts";
import type { Member } from "../../api/groups.ts";
import type { Peer } from "../../sync/peer-store.ts";
import { badgeColors } from "../../lib/colors.ts";
import { spanRects } from "./dom-ranges.ts";
import { peerName } from "../sync/PresenceBar.tsx";
import type { Span, TextMap } from "./text-map.ts";

export const peerLayer = (peer: Peer) => `mg-peer-${peer.clientId}`;

/**
 * Others see what we are looking at: `shared` is the passage being annotated, else the live selection.
 * `generation` is the session's: a rejoin brings a new provider, with new awareness.
 */
export function useSharedSelection(session: DocSession | null, generation: number, shared: Span | null) {
  useEffect(() => {
    session?.awareness.setLocalStateField("selection", shared ? { start: shared.start, end: shared.end } : null);
  }, [session, generation, shared?.start, shared?.end]);
}

/**
 * The stylesheet for others' selections (one ::highlight() rule per peer,
 * in the colour the server gave them) and a name flag at the end of each
 * selection, so that you can tell who is looking where.
 */
export function PeerSelections({
  peers,
  map,
  container,
  members,
}: {
  peers: readonly Peer[];
  map: TextMap<Text> | null;
  container: HTMLElement | null;
  members?: ReadonlyMap<string, Member>;
}) {
  const [flags, setFlags] = useState<Array<{ peer: Peer; top: number; left: number }>>([]);

  useLayoutEffect(() => {
    // Measuring forces a layout of the whole page: only worth it when there is a selection to flag.
    if (!map || !container || !peers.some((p) => p.selection)) {
      setFlags((old) => (old.length ? [] : old));
      return;
    }
    const place = () => {
      const origin = container.getBoundingClientRect();
      setFlags(
        peers.flatMap((peer) => {
          const rect = peer.selection ? spanRects(map, peer.selection).at(-1) : undefined;
          if (!rect) return [];
          // The flag marks where the selection ends, which is its left edge in a right-to-left block.
          const end = map.locate(peer.selection!)?.end.node.parentElement;
          const rtl = !!end && getComputedStyle(end).direction === "rtl";
          return [{ peer, top: rect.top - origin.top - 16, left: (rtl ? rect.left : rect.right) - origin.left }];
        }),
      );
    };
    place();
    window.addEventListener("resize", place);
    return () => window.removeEventListener("resize", place);
  }, [peers, map, container]);

  // Colours come through safeColor (peer-store.ts), so they are safe inside a rule.
  const css = peers
    .map((p) => `::highlight(${peerLayer(p)}){background-color:color-mix(in srgb, ${p.user.color} 30%, transparent);text-decoration:underline 2px ${p.user.color};}`)
    .join("\n");
  return (
    <>
      <style>{css}</style>
      {flags.map(({ peer, top, left }) => (
        <span key={peer.clientId} className="peer-flag" style={{ top, left, backgroundColor: badgeColors(peer.user.color).background, color: badgeColors(peer.user.color).ink }} aria-hidden="true">
          {peerName(peer, members)}
        </span>
      ))}
    </>
  );
}
