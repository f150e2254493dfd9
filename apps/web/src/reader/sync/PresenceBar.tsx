import type { User } from "../../api/auth.ts";
import type { Member } from "../../api/groups.ts";
import { colorForUser } from "../../lib/colors.ts";
import type { Peer } from "../../sync/peer-store.ts";
import { Avatar } from "../threads/AnnotationHeader.tsx";

/**
 * The name to show for a peer. The server stamps presence with one name for
 * everyone on the document, a pseudonym in a group anonymous to peers; the
 * members list is what this viewer may call them, real names for moderators.
 */
export const peerName = (peer: Peer, members?: ReadonlyMap<string, Member>) => members?.get(peer.user.id)?.name ?? peer.user.name;

/** Who is reading now: you first, then everyone else once, however many tabs they have open. */
export function PresenceBar({ me, peers, members }: { me: User; peers: readonly Peer[]; members?: ReadonlyMap<string, Member> }) {
  const others = new Map<string, Peer>();
  for (const p of peers) if (p.user.id !== me.id && !others.has(p.user.id)) others.set(p.user.id, p);
  const count = others.size + 1;
  return (
    <div className="presence" role="group" aria-label={`${count} ${count === 1 ? "reader" : "readers"} here now`}>
      <ul>
        <li title={`${me.name} (you)`}>
          <Avatar userId={me.id} name={me.name} color={colorForUser(me.id)} />
          <span className="visually-hidden">{me.name} (you)</span>
        </li>
        {[...others.values()].map((p) => (
          <li key={p.user.id} title={peerName(p, members)} className={p.selection ? "is-selecting" : undefined}>
            <Avatar userId={p.user.id} name={peerName(p, members)} color={p.user.color} />
            <span className="visually-hidden">{peerName(p, members)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
