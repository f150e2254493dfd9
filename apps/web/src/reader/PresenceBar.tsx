import type { User } from "../api/auth.ts";
import { colorForUser } from "../lib/colors.ts";
import type { Peer } from "../sync/peer-store.ts";
import { Avatar } from "./AnnotationHeader.tsx";

/** Who is reading now: you first, then everyone else once, however many tabs they have open. */
export function PresenceBar({ me, peers }: { me: User; peers: readonly Peer[] }) {
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
          <li key={p.user.id} title={p.user.name} className={p.selection ? "is-selecting" : undefined}>
            <Avatar userId={p.user.id} name={p.user.name} color={p.user.color} />
            <span className="visually-hidden">{p.user.name}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
