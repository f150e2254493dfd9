// The servers a scenario runs against, each with whom to connect as and
// where a fresh room comes from. Marginalia runs twice, on Postgres and on its
// embedded database, each process with its own accounts.
import { addMember, seedArticle } from "../harness.ts";
import type { LoadOptions, RunOutcome, Server } from "./load.ts";
import type { Endpoint } from "./protocol.ts";
import type { Identity } from "./types.ts";

/** "marginalia" is Marginalia on Postgres; "embedded" is Marginalia on its embedded database (PGlite). */
export type ServerId = "marginalia" | "embedded" | "relay" | "hocuspocus";
export const SERVER_IDS: ServerId[] = ["marginalia", "embedded", "relay", "hocuspocus"];
export const NAMES: Record<ServerId, string> = {
  marginalia: "Marginalia (Postgres)",
  embedded: "Marginalia (embedded)",
  relay: "y-websocket relay",
  hocuspocus: "Hocuspocus",
};

export type Target = { id: ServerId; server: Server; owner: Identity };
/** What a load run needs besides its options: the first room, and whom the sockets connect as. */
export type Room = { ep: Endpoint; identities: Identity[]; rooms?: string[] };

const isMarginalia = (t: Target) => t.server.kind === "marginalia";
let counter = 0;
const groupsWithMembers = new Map<string, Promise<{ groupId: string; identities: Identity[] }>>();

/** A group of `members` accounts (the owner and annotators), made once per server and reused. */
function membersGroup(t: Target, members: number) {
  const key = `${t.id}/${members}`;
  if (!groupsWithMembers.has(key)) {
    groupsWithMembers.set(
      key,
      (async () => {
        const { groupId } = await seedArticle(t.server.url, t.owner.token);
        const others = await Promise.all(Array.from({ length: members - 1 }, (_, i) => addMember(t.server.url, t.owner.token, groupId, `member${i + 1}`)));
        return { groupId, identities: [t.owner, ...others] };
      })(),
    );
  }
  return groupsWithMembers.get(key)!;
}

/** A fresh room on `t`, written to by `members` accounts (1: the owner alone). */
export async function freshRoom(t: Target, label: string, members = 1): Promise<Room> {
  if (!isMarginalia(t)) {
    const ep: Endpoint = { kind: t.server.kind, origin: t.server.origin, docName: `bench-${label}-${++counter}-${process.pid}`, token: "bench" };
    return { ep, identities: [{ token: "bench", userId: t.owner.userId }] };
  }
  const group = members > 1 ? await membersGroup(t, members) : null;
  const { room } = await seedArticle(t.server.url, t.owner.token, group?.groupId);
  return { ep: { kind: "marginalia", origin: t.server.origin, docName: room, token: t.owner.token }, identities: group?.identities ?? [t.owner] };
}

/** `count` fresh rooms on `t`; Marginalia's are articles of one group, made inside the server process. */
export async function freshRooms(t: Target, label: string, count: number): Promise<Room> {
  if (!isMarginalia(t)) {
    const first = await freshRoom(t, label);
    const rooms = Array.from({ length: count }, (_, i) => `${first.ep.docName}-${i}`);
    return { ...first, ep: { ...first.ep, docName: rooms[0]! }, rooms };
  }
  const { groupId } = await seedArticle(t.server.url, t.owner.token);
  const rooms = await t.server.child.request<string[]>("seedArticles", { groupId, authorId: t.owner.userId, count });
  return { ep: { kind: "marginalia", origin: t.server.origin, docName: rooms[0]!, token: t.owner.token }, identities: [t.owner], rooms };
}

export type Loader = (t: Target, room: Room, opts: LoadOptions) => Promise<RunOutcome>;
