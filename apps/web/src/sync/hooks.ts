import { useEffect, useMemo, useSyncExternalStore } from "react";
import { type DocSource, AnnotationStore, type Item, type VoteTally, VoteStore } from "./annotation-store.ts";
import type { DocSession, SessionState } from "./doc-session.ts";
import { type Peer, PeerStore } from "./peer-store.ts";

const noSubscribe = () => () => {};
const EMPTY_ITEMS: Item[] = [];
const EMPTY_VOTES = new Map<string, VoteTally>();
const EMPTY_PEERS: Peer[] = [];
const IDLE: SessionState = { connection: "stopped", synced: false, saved: true, generation: 0, settings: 0, fatal: null, end: null, role: null };

export function useSessionState(session: DocSession | null): SessionState {
  return useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getState ?? (() => IDLE));
}

/** A store bound to the session's current document; rebuilt when a refused update replaces it. */
export function useDocStore<T extends { dispose(): void }>(session: DocSession | null, make: (session: DocSession) => T, deps: unknown[]): T | null {
  const { generation } = useSessionState(session);
  // `make` is a fresh closure each render; what it depends on is listed in `deps`.
  const store = useMemo(() => (session ? make(session) : null), [session, generation, ...deps]);
  useEffect(() => () => store?.dispose(), [store]);
  return store;
}

export function useAnnotationStore(session: DocSession | null, source: DocSource): AnnotationStore | null {
  return useDocStore(session, (s) => new AnnotationStore(s.doc, source), [source]);
}

export function useItems(store: AnnotationStore | null): Item[] {
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.getSnapshot ?? (() => EMPTY_ITEMS));
}

export function useVotes(session: DocSession | null, me: string): Map<string, VoteTally> {
  const store = useDocStore(session, (s) => new VoteStore(s.doc, me), [me]);
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.getSnapshot ?? (() => EMPTY_VOTES));
}

export function usePeers(session: DocSession | null): Peer[] {
  const store = useDocStore(session, (s) => new PeerStore(s.awareness), []);
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.getSnapshot ?? (() => EMPTY_PEERS));
}
