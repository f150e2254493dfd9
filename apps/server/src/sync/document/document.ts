import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { MemberIds } from "../../access/member-ids.ts";
import { type Role, annotationsOf, notesOf, readAnnotation, votesOf, withheldOf } from "@marginalia/schema";
import type { ModerationStep } from "../authorize/authorize.ts";
import { Fanout, type Peer } from "../broadcast/fanout.ts";
import { VoteTally } from "./vote-tally.ts";
import { PresenceFanout } from "../presence/presence-fanout.ts";
import { followPresence } from "../presence/awareness.ts";
import { JoinAnswers } from "./join-answer.ts";
import { ColdBytes } from "./cold-bytes.ts";
import { ClientIds, SERVER_WRITER } from "../authorize/client-ids.ts";
import { ColdBuild } from "./cold-build.ts";
import { writeStep2 } from "./sliced-encode.ts";
import type { PersistSource } from "../persist/persist.ts";
import type { DocContext } from "../persist/projection.ts";
import { touchedAnnotations } from "./touched.ts";
import { forMembers } from "./withheld-replies.ts";
import { resubmitCrossed, resubmitEdits, stampEdits } from "./edited.ts";
import { keepOfflineMoves } from "./offline-moves.ts";
import { rememberHiddenFrom } from "./hidden-from.ts";
import { UpdateLane } from "../connection/update-lane.ts";
import { ServerWrites } from "./server-writes.ts";
import { REFUSED_BEFORE } from "../validate/refused-structs.ts";
import { DocumentClosed } from "./closed.ts";
import { yjsWorker } from "../persist/yjs-worker.ts";

/** Where a change came from: a socket's connection, or a server-side writer such as a REST route. */
export type ChangeOrigin = {
  userId: string | null;
  /** The member id a member (socket, REST) wrote under, and the least role a socket's change needs, which the commit checks (docs/architecture.md, "Roles at the commit"). */
  memberId?: string;
  needs?: Role;
  /** The socket it came from, which needs no echo of its own change. */
  peer?: Peer;
  /** Sent by a socket that joined moments ago: work done while away, which nobody has read yet (edited.ts). */
  catchingUp?: boolean;
  onDurable?: (durable: Promise<void>) => void;
};
export type { Peer } from "../broadcast/fanout.ts";
export type DocumentHooks = {
  /** The stored state was just built into the Y.Doc (on load, on first use of a cold document, or after its last slice). */
  built?(live: LiveDocument): void;
  /** Updates went out to this many of the document's sockets, `delayMs` after the first was queued. */
  broadcast?(recipients: number, delayMs: number): void;
  /** A user claimed a Yjs client id here for the first time: kept beside the log, so the claim outlives the load. */
  claimClient?(live: LiveDocument, clientId: number, userId: string): void;
  /** The server writes here under `clientId` for the first time: told to the other processes as a server's claim (it is kept with the write). */
  claimServer?(live: LiveDocument, clientId: number): void;
  /** Moderation steps a socket took (authorize.ts), once stored; `account` is the moderator's. */
  moderated?(live: LiveDocument, steps: readonly ModerationStep[], account: string): void;
  /** `serverId`: the server's own client id, for a write of the server's, whose claim is kept in the same commit. */
  persist(source: PersistSource, update: Uint8Array, userId: string | null, touched: ReadonlySet<string>, writer: { memberId: string | null; needs: Role | null; serverId: number | null }): Promise<void>;
  /** Whether a socket's update carries content the database refused here before (refused-structs.ts): refused unapplied. */
  refusedBefore?(live: LiveDocument, update: Uint8Array): boolean;
  /** An update another process accepted was applied here (it persists there), touching these annotations. */
  received?(live: LiveDocument, touched: ReadonlySet<string>): void;
  /** A target on an earlier revision was written again here (offline-moves.ts), to be moved onto the current one; or that judgement failed. */
  olderTargetKept?(live: LiveDocument, failed: Error | null): void;
  /** Every update accepted here (not from other processes) and its durability, to relay (architecture.md, "More than one process"). */
  relay?(source: LiveDocument, update: Uint8Array, durable: Promise<void>): void;
  /** Called with every awareness change made here, as a y-protocols awareness update. */
  relayAwareness?(source: LiveDocument, update: Uint8Array): void;
};

/** Stored bytes a document starts from (DocStore.load). */
export type StartingState = {
  bytes: Uint8Array;
  /**
   * Whether the state may be served before it is built: only bytes known to parse, either a snapshot this server
   * wrote or bytes read through whole on the way (DocStore.load's `verified` and `parsed`). Anything else is built at
   * once, so that bytes that do not parse fail the load instead of reaching a client.
   */
  servable: boolean;
  /** Free bytes before `bytes` in their buffer, where a new client's sync step 2 is framed without a copy (messages.ts). */
  headroom?: number;
  /**
   * Log rows written after `bytes` (a snapshot), merged and read through (DocStore.load): applied after it
   * when the document is built, and sent to a joining client just before it, so the snapshot is served as stored.
   */
  tail?: Uint8Array | null;
  /** The state vector of `bytes` and `tail`, when stored with them (DocStore.load): else it is read from them on the worker. */
  stateVector?: Uint8Array | null;
};

/**
 * One live Y.Doc and the peers on it: the source of truth while loaded (docs/architecture.md, "The path of
 * an update"). Every change, from a socket or from REST, passes through its update handler: a socket's is
 * broadcast, then persisted; the server's own is persisted, then broadcast.
 */
export class LiveDocument implements PersistSource {
  private readonly ydoc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.ydoc);
  /** The Y.Doc from the loaded state (cold-build.ts): served as loaded until first use, or built in slices before. */
  private readonly build: ColdBuild;
  /** Changes applied since the load: a judgement in turns that sees it move judges again. */
  private changes = 0;
  private readonly joinAnswers = new JoinAnswers();
  private readonly serverWrites = new ServerWrites();
  /** The client id the server has claimed as its own here (`claimOwnId`), and whether a commit has kept that claim. */
  private ownId: { clientId: number; kept: boolean } | null = null;
  /** About how many bytes the document encodes to, the most a client's answer can take: loaded, plus every update since. */
  get encodedBytes(): number {
    return this.encoded;
  }
  private encoded = 0;
  /** Who writes under each Yjs client id while the document is loaded (client-ids.ts). */
  readonly clientIds = new ClientIds(this.ydoc.clientID);
  readonly peers = new Set<Peer>();
  /** Large updates taken in turns, one after another (large-update.ts). */
  readonly lane = new UpdateLane();
  /** The group's members who may answer an assignment (annotators and up), kept current by access events (hub.ts). */
  readonly answerers = new Set<string>();
  /** Member ids and accounts (the document names people by member id, the database by account): loaded, then added to. */
  readonly members = new MemberIds();
  /** Which peer speaks for each awareness client id, so that no one can overwrite another's presence. */
  readonly awarenessOwners = new Map<number, Peer>();
  private readonly fanout: Fanout;
  private readonly presence: PresenceFanout;
  private readonly votes: VoteTally;

  constructor(
    readonly context: DocContext,
    private readonly hooks: DocumentHooks,
    start: StartingState | null = null,
    /** Who wrote under which client id before this load (client-ids.ts). */
    clientOwners: Iterable<readonly [number, string]> = [],
  ) {
    // The server is not a participant: it has no presence of its own.
    this.awareness.setLocalState(null);
    // Typed before any content lands: content loaded into a root nobody has asked for by type sits in a
    // placeholder, and the first transaction after loading would be filed under it and missed by
    // `touchedAnnotations`.
    annotationsOf(this.ydoc);
    this.votes = new VoteTally(votesOf(this.ydoc));
    notesOf(this.ydoc);
    withheldOf(this.ydoc);
    this.encoded = (start?.bytes.length ?? 0) + (start?.tail?.length ?? 0);
    const cold = start && new ColdBytes(start.bytes, start.tail ?? null, start.headroom ?? 0, start.stateVector ?? null);
    this.build = new ColdBuild(this.ydoc, cold, LOAD_ORIGIN, () => this.hooks.built?.(this));
    this.fanout = new Fanout(this.peers, (recipients, delayMs) => this.hooks.broadcast?.(recipients, delayMs));
    this.presence = new PresenceFanout(this.awareness, {
      peers: () => this.peers,
      relay: this.hooks.relayAwareness && ((update) => this.hooks.relayAwareness?.(this, update)),
    });
    for (const [clientId, userId] of clientOwners) this.clientIds.claim(clientId, userId, { known: true });
    this.clientIds.onClaim = (clientId, userId) => this.hooks.claimClient?.(this, clientId, userId);
    this.ydoc.on("update", this.onUpdate);
    this.ydoc.on("afterTransaction", this.onTransaction);
    if (start?.servable) this.build.plan();
    else this.build.finish();
    this.awareness.on("update", this.onAwareness);
  }

  get name() {
    return this.context.docName;
  }

  /** The document's state vector, without building it while it is cold (ColdBytes.stateVector). */
  stateVector(): Promise<Uint8Array> {
    return this.build.cold?.stateVector() ?? Promise.resolve(Y.encodeStateVector(this.ydoc));
  }

  /** The Yjs client ids that wrote content here, without building the document for it. */
  async writers(): Promise<number[]> {
    return [...Y.decodeStateVector(await this.stateVector()).keys()];
  }

  /** The live Y.Doc, built from the loaded state on first use: the rest of a build in slices at once. */
  get doc(): Y.Doc {
    this.build.finish();
    return this.ydoc;
  }

  /** Whether the Y.Doc is still to be built from the loaded bytes. */
  get isCold(): boolean {
    return this.build.cold !== null;
  }

  /** Unloaded (loaded-documents.ts): nothing more is done with it. */
  get isDestroyed(): boolean {
    return this.build.isDestroyed;
  }

  /** Whether the document is being built in slices, or will be: what needs it is better off waiting (`whenBuilt`) than forcing the rest at once. */
  get isBuilding(): boolean {
    return this.build.isBuilding;
  }

  /**
   * Resolves once a build in slices under way has ended, at once when none is; a planned one starts now. Reading
   * `doc` meanwhile would apply the rest in one go, holding every socket of the process (about a second for 10 MB);
   * whoever can wait for the last slice instead does (connection.ts, hub.ts).
   */
  whenBuilt(): Promise<void> {
    return this.build.whenBuilt();
  }

  /** Whether what changes the document should wait (`whenFree`): it is being built, or held by a large update (update-lane.ts). */
  get isBusy(): boolean {
    return this.isBuilding || this.lane.holding;
  }

  /** Resolves once the document is neither being built in slices nor held by a large update (`isBusy`). */
  async whenFree(): Promise<void> {
    while (this.isBusy) {
      await this.whenBuilt();
      await this.lane.released();
    }
  }

  /** How many changes the document has had since it loaded: equal counts mean nothing changed between. */
  get changeCount(): number {
    return this.changes;
  }

  /**
   * The messages that answer the sync step 1 of a client with state vector `sv`: while cold, from the loaded
   * bytes, without building the document; else once the server's own changes are stored (server-writes.ts).
   */
  syncStep2For(sv: Uint8Array, spent?: (ms: number) => void, wanted: () => boolean = () => true): Uint8Array[] | Promise<Uint8Array[]> {
    const cold = this.build.cold;
    if (cold) return cold.step2For(sv);
    const write = (stillWanted: () => boolean) => writeStep2(this.ydoc, this.encodedBytes, sv, () => this.isDestroyed || !stillWanted(), spent);
    // A new client's answer is written once for every client that asks before the next change (join-answer.ts).
    const answer = () => (Y.decodeStateVector(sv).size > 0 ? write(wanted) : this.joinAnswers.answer(() => this.changes, wanted, write));
    return this.serverWrites.settled()?.then(answer) ?? answer();
  }

  /** The vote counts of the touched annotations, from a tally kept as votes change. */
  votesFor(annotationIds: ReadonlySet<string>) {
    void this.doc; // built, so that the tally holds the loaded votes
    return this.votes.countsFor(annotationIds);
  }

  annotation(id: string) {
    const map = annotationsOf(this.doc).get(id);
    return map ? readAnnotation(map) : null;
  }

  /**
   * An annotation as the database keeps it: its author and assignees as accounts. Authorization let in only member
   * ids of this group, so each has an account here; an author without one (none should be) is stored as none.
   */
  stored(id: string) {
    const value = this.annotation(id);
    if (!value) return null;
    const assignees = value.assignees.flatMap((memberId) => this.members.accountOf(memberId) ?? []);
    return { ...value, authorId: this.members.accountOf(value.authorId) ?? "", assignees };
  }

  moderated(steps: readonly ModerationStep[], account: string) {
    this.hooks.moderated?.(this, steps, account);
  }

  /** Why `update` is refused unapplied when it carries content the database refused in this document before (refused-structs.ts), else null. */
  refusedBefore(update: Uint8Array): string | null {
    return this.hooks.refusedBefore?.(this, update) ? REFUSED_BEFORE : null;
  }

  /** Applies an already-authorized change and returns the durability promise of what it wrote. */
  apply(update: Uint8Array, origin: ChangeOrigin): Promise<void> {
    if (this.isDestroyed) return Promise.reject(new DocumentClosed());
    let durable: Promise<void> = Promise.resolve();
    const captured: ChangeOrigin = { ...origin, onDurable: (p) => (durable = p) };
    Y.applyUpdate(this.doc, update, captured);
    origin.onDurable?.(durable);
    return durable;
  }

  /** Runs a server-side change (REST, approval, re-anchoring) through the same path as a socket update. */
  change(origin: ChangeOrigin, fn: (doc: Y.Doc) => void): Promise<void> {
    if (this.isDestroyed) return Promise.reject(new DocumentClosed());
    let durable: Promise<void> = Promise.resolve();
    const captured: ChangeOrigin = { ...origin, onDurable: (p) => (durable = p) };
    this.doc.transact(() => fn(this.doc), captured);
    return durable;
  }

  /**
   * Applies an update another process accepted: broadcast here, but it persists there. During a build in slices it
   * waits for the last slice, and while a large update holds the document's writers out for its end (updates
   * commute, and those that wait keep their order).
   */
  applyRemote(update: Uint8Array, onGap?: () => void) {
    if (this.isBusy) {
      void this.whenFree().then(() => this.applyRemote(update, onGap));
      return;
    }
    if (this.isDestroyed) return;
    Y.applyUpdate(this.doc, update, REMOTE_ORIGIN);
    // Content this copy cannot place yet: it builds on something this process never received (sync/broadcast/relay.ts).
    if (onGap && (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null)) onGap();
  }

  /**
   * Applies what this copy lacks of the stored state `parts` (a relay's resync), worked out on the worker from its
   * state vector; returns how many bytes that was. A copy that lacks nothing applies nothing: a cold one stays
   * cold and waits for no build (docs/architecture.md, "More than one process").
   */
  async catchUp(parts: Uint8Array[]): Promise<number> {
    const cold = this.build.cold;
    const sv = await (cold ? cold.stateVector() : Y.encodeStateVector(this.ydoc));
    const missing = await yjsWorker.storedDiff(sv, parts, cold && [cold.bytes, ...(cold.tail ? [cold.tail] : [])]);
    if (missing) this.applyRemote(missing);
    return missing?.byteLength ?? 0;
  }

  /** Applies presence another process accepted (already stamped there): shown to peers here, never relayed again. */
  applyRemoteAwareness(update: Uint8Array) {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, REMOTE_ORIGIN);
  }

  private onUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
    if (origin === LOAD_ORIGIN) return;
    this.changes++;
    this.encoded += update.length;
    const change = origin as ChangeOrigin | null;
    // The server's own changes go out once stored (server-writes.ts); a socket's, and another process's, at once.
    const byServer = origin !== REMOTE_ORIGIN && !change?.peer;
    if (!byServer) {
      // What it deletes of the server's unsent changes goes out with them, once they are stored (server-writes.ts).
      const unsent = this.serverWrites.deletesUnsent(tr.deleteSet, this.ydoc.clientID) ? this.serverWrites.settled() : null;
      if (unsent) this.fanout.holdUntil(unsent);
      this.fanout.queue(forMembers(this.context, update, tr), change?.peer ?? null);
    }
    if (origin === REMOTE_ORIGIN) {
      if (this.hooks.received) this.hooks.received(this, touchedAnnotations(this.doc, tr));
      resubmitCrossed(this.doc, tr, this.context.visibility, (memberId) => this.members.accountOf(memberId));
      return;
    }
    const serverId = byServer ? this.claimOwnId(tr) : null;
    const durable = this.hooks.persist(this, update, change?.userId ?? null, touchedAnnotations(this.doc, tr), { memberId: change?.memberId ?? null, needs: change?.needs ?? null, serverId });
    // The claim is kept once a write carrying it is: later writes under the same id need not carry it.
    const own = serverId !== null ? this.ownId : null;
    if (own) durable.then(() => void (own.kept = true), () => {});
    // Whoever made the change learns of a refusal from this same promise (a socket closes, a request answers
    // with an error); the catch keeps one that nobody waits for from crashing the process as unhandled.
    if (byServer) this.serverWrites.add(durable);
    const end = tr.afterState.get(this.ydoc.clientID) ?? 0;
    durable.then(() => {
      if (!byServer || this.isDestroyed) return;
      this.serverWrites.sent(end);
      this.fanout.queue(update, null);
    }, () => {});
    change?.onDurable?.(durable);
    this.hooks.relay?.(this, update, durable);
    if (!change?.userId) return;
    const edited = stampEdits(this.doc, tr, change.userId, change.catchingUp === true);
    if (change.memberId && edited.length > 0) resubmitEdits(this.doc, edited, this.context.visibility, { userId: change.userId, memberId: change.memberId });
  };

  /**
   * The server's client id, when this change is the server's writing under it and no commit has kept the id's
   * claim yet: such a write keeps the claim as a server's in its own commit (batch-write.ts), so that no process
   * can load the write without the claim; the first one here also tells the other processes at once, ahead of
   * the write, which is relayed only once stored. No member can learn the id before every process can refuse
   * their writes under it (docs/sync.md, "5. What you may write"). Once kept, the row stays with the log.
   */
  private claimOwnId(tr: Y.Transaction): number | null {
    const clientId = this.ydoc.clientID;
    if ((tr.afterState.get(clientId) ?? 0) <= (tr.beforeState.get(clientId) ?? 0)) return null;
    if (this.ownId?.clientId !== clientId) {
      this.ownId = { clientId, kept: false };
      this.clientIds.claim(clientId, SERVER_WRITER, { known: true });
      this.hooks.claimServer?.(this, clientId);
    }
    return this.ownId.kept ? null : clientId;
  }

  private onTransaction = (tr: Y.Transaction) => {
    const from = tr.origin === REMOTE_ORIGIN ? "process" : (tr.origin as ChangeOrigin | null)?.peer ? "socket" : null;
    const kept = from ? keepOfflineMoves(tr, from, this.clientIds) : false;
    if (kept) this.hooks.olderTargetKept?.(this, kept instanceof Error ? kept : null);
    // Another process recorded it where the hide was made; a load brings the record with it.
    if (tr.origin !== REMOTE_ORIGIN && tr.origin !== LOAD_ORIGIN) rememberHiddenFrom(tr);
  };

  private onAwareness = ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
    const changed = [...added, ...updated, ...removed];
    // Presence from another process is not sent back out; nor are expiries, which every process sees for itself.
    if (changed.length) this.presence.changed(changed, origin !== REMOTE_ORIGIN && origin !== "timeout");
    if (origin === REMOTE_ORIGIN || origin === "timeout") followPresence(this, [...added, ...updated], removed);
  };

  destroy() {
    this.build.destroy();
    this.presence.stop();
    this.joinAnswers.drop();
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}

type AwarenessChange = { added: number[]; updated: number[]; removed: number[] };

const LOAD_ORIGIN = Symbol("load");

export const REMOTE_ORIGIN = Symbol("remote");
