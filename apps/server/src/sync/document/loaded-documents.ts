import { setImmediate as nextTurn } from "node:timers/promises";
import { annotationsOf } from "@marginalia/schema";
import type { Db } from "../../db.ts";
import { groupMembersOf } from "../authorize/access-check.ts";
import type { ClientIdStore } from "../authorize/client-id-store.ts";
import type { DocumentRelay } from "../broadcast/document-relay.ts";
import type { Compaction } from "../persist/compaction.ts";
import type { DocStore } from "../persist/doc-store.ts";
import type { GroupCommitter } from "../persist/persist.ts";
import type { DocContext } from "../persist/projection.ts";
import { type DocumentHooks, LiveDocument } from "./document.ts";
import type { ReloadPace } from "./reload-pace.ts";
import { ShuttingDown } from "../shutdown.ts";

/** A loaded document's life: being read from the database, in use, or being written out and dropped. */
type Slot =
  | { phase: "loading"; context: DocContext; ready: Promise<LiveDocument> }
  | { phase: "live"; live: LiveDocument; idleTimer: NodeJS.Timeout | null; users: number }
  | { phase: "unloading"; done: Promise<void> };

/** What loading, keeping and unloading documents needs of the hub. */
export type DocumentSources = {
  db: Db;
  store: DocStore;
  clientIdStore: ClientIdStore;
  compaction: Compaction;
  /** Written out before an idle document is torn down. */
  committer: Pick<GroupCommitter, "settled">;
  hooks: DocumentHooks;
  relay: DocumentRelay;
  /** Paces a document's load after a reload (reload-pace.ts). */
  reloads: ReloadPace;
  /** How long a document stays loaded after its last user releases it. */
  idleUnloadMs: number;
  /** Whether the hub is shutting down: no document is loaded then, from a database that is closing (shutdown.ts). */
  closing: () => boolean;
  /** Told of each document read from the database, once it is in use. */
  loaded: (context: DocContext) => void;
};

/**
 * The documents this process holds, by name: each loaded once however many
 * sockets and REST writes use it at the same time, kept while anyone does
 * (`acquire`, `release`), and unloaded once it has been idle a while.
 */
export class LoadedDocuments {
  private readonly slots = new Map<string, Slot>();
  /**
   * Copies told they may trail (`mayTrail`), and documents told so while they were loading, until each catches
   * up. Kept by copy, not by article, so that nothing outlives the copies it is about.
   */
  private readonly behind = new WeakSet<LiveDocument>();
  private readonly loadingBehind = new Set<string>();
  /** A catch-up under way, which a second caller waits for rather than reading the copy before it ends. */
  private readonly catching = new WeakMap<LiveDocument, Promise<void>>();
  /** The last document teardown queued (`unload`): each runs on an event-loop turn after the one before it. */
  private teardowns: Promise<void> = Promise.resolve();

  constructor(private readonly sources: DocumentSources) {}

  /** The document, loaded if it is not; held for the caller until its `release`. */
  async acquire(context: DocContext): Promise<LiveDocument> {
    for (;;) {
      const slot = this.slots.get(context.docName);
      if (!slot) break;
      if (slot.phase === "unloading") {
        await slot.done;
        continue;
      }
      const live = slot.phase === "loading" ? await slot.ready : slot.live;
      const current = this.slots.get(context.docName);
      if (current?.phase !== "live") continue;
      if (current.idleTimer) clearTimeout(current.idleTimer);
      current.idleTimer = null;
      current.users++;
      return live;
    }
    if (this.sources.closing()) throw new ShuttingDown();
    const ready = this.load(context);
    this.slots.set(context.docName, { phase: "loading", context, ready });
    try {
      const live = await ready;
      this.slots.set(context.docName, { phase: "live", live, idleTimer: null, users: 1 });
      // Its load may have read the database before the decision it was told of began.
      if (this.loadingBehind.delete(context.docName)) this.behind.add(live);
      this.sources.loaded(context);
      return live;
    } catch (err) {
      // Nothing is kept of a failed load, so it can never be saved over the real data.
      this.slots.delete(context.docName);
      this.loadingBehind.delete(context.docName);
      throw err;
    }
  }

  private async load(context: DocContext): Promise<LiveDocument> {
    const { db, store, clientIdStore, compaction, hooks, relay, reloads } = this.sources;
    await reloads.loadable(context.docName);
    const [{ state, tail, logRows, verified, parsed, headroom, stateVector }, members] = await Promise.all([
      store.load(context.docName),
      groupMembersOf(db, [context.groupId]),
    ]);
    // Read after the state, so that they cover whatever it holds: a server's write is stored in one commit
    // with its claim (document.ts, `claimOwnId`).
    const clientOwners = await clientIdStore.load(context.docName);
    compaction.loaded(context.docName, logRows);
    const start = state && { bytes: state, tail, servable: verified || parsed, headroom, stateVector };
    const live = new LiveDocument(context, hooks, start, clientOwners);
    const group = members.get(context.groupId);
    for (const id of group?.answerers ?? []) live.answerers.add(id);
    if (group) live.members.addAll(group.ids);
    relay.attach(live);
    return live;
  }

  release(live: LiveDocument) {
    const slot = this.slots.get(live.name);
    if (slot?.phase !== "live" || slot.live !== live) return;
    slot.users = Math.max(0, slot.users - 1);
    if (slot.users === 0) slot.idleTimer = setTimeout(() => void this.unload(live.name), this.sources.idleUnloadMs);
  }

  private async unload(name: string) {
    const slot = this.slots.get(name);
    if (slot?.phase !== "live" || slot.users > 0) return;
    const { committer, relay, clientIdStore, compaction } = this.sources;
    const done = (async () => {
      // Its own updates only: the whole queue, under other documents' steady traffic, kept it unloading (and
      // anyone rejoining it waiting) for seconds.
      await committer.settled(slot.live);
      await this.teardownTurn();
      relay.detach(slot.live);
      const writers = await slot.live.writers();
      slot.live.destroy();
      void clientIdStore.prune(name, writers);
      const written = compaction.forget(name);
      // Folded whole while nobody uses it (off the event loop), so that its next load is one verified
      // snapshot, which a joining client receives without the server building the document first.
      if (written > 0) void compaction.foldIdle(name);
    })();
    this.slots.set(name, { phase: "unloading", done });
    try {
      await done;
    } finally {
      this.slots.delete(name);
    }
  }

  /**
   * Resolves on an event-loop turn of its own, after every teardown queued
   * before it. Documents go idle together when many sockets close at once (a
   * proxy restarting, a session ending): in the bench, 1,500 sockets over 500
   * documents. Their teardowns then ran back to back, after one shared flush,
   * and held the event loop for 50–150 ms, when each takes a fraction of a
   * millisecond.
   */
  private teardownTurn(): Promise<void> {
    const turn = this.teardowns.then(() => nextTurn());
    this.teardowns = turn;
    return turn;
  }

  /**
   * Unloads a live document at once, without writing anything more of it. `closeSockets` runs once it is
   * no longer found here, and before it is detached from the relay and destroyed.
   */
  drop(live: LiveDocument, closeSockets: () => void) {
    const slot = this.slots.get(live.name);
    if (slot?.phase !== "live" || slot.live !== live) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.slots.delete(live.name);
    this.sources.compaction.forget(live.name);
    closeSockets();
    this.sources.relay.detach(live);
    live.destroy();
  }

  /** The document of that name if it is loaded here and live (not loading, nor unloading). */
  live(name: string): LiveDocument | null {
    const slot = this.slots.get(name);
    return slot?.phase === "live" ? slot.live : null;
  }

  /** Every live document, as a list that may be walked while documents are dropped. */
  all(): LiveDocument[] {
    return [...this.slots.values()].flatMap((slot) => (slot.phase === "live" ? [slot.live] : []));
  }

  /**
   * The article's copies here may trail what is stored (a decision through another process came before:
   * services/decision-turns.ts): each catches up before its next use (`current`), not all of them at once, since
   * most (every reader's private document) take no part in the decision. A copy loaded later reads the decision
   * from the database. One process alone has nothing to catch up with.
   */
  mayTrail(articleId: string) {
    if (!this.sources.relay.shared) return;
    for (const [name, slot] of this.slots) {
      if (slot.phase === "live" && slot.live.context.articleId === articleId) this.behind.add(slot.live);
      else if (slot.phase === "loading" && slot.context.articleId === articleId) this.loadingBehind.add(name);
    }
  }

  /**
   * Brings a copy up to what every process has stored, relayed to it yet or not (DocumentRelay, `catchUp`), if
   * it may trail (`mayTrail`) or lacks annotation `lacking`, which its caller found stored in it; resolves once
   * what that applied, which waits for a build or a large update holding the document, is in.
   */
  async current(live: LiveDocument, lacking?: string): Promise<void> {
    await this.catching.get(live)?.catch(() => {});
    if (!this.behind.has(live) && (lacking === undefined || annotationsOf(live.doc).has(lacking))) return;
    this.behind.delete(live);
    const done = (async () => {
      await this.sources.relay.catchUp(live);
      await live.whenFree();
    })();
    this.catching.set(live, done);
    try {
      await done;
    } catch (err) {
      this.behind.add(live);
      throw err;
    } finally {
      if (this.catching.get(live) === done) this.catching.delete(live);
    }
  }

  /** Whether the document is here in any phase: loading, live or unloading. */
  has(name: string): boolean {
    return this.slots.has(name);
  }

  /** At shutdown, once everything is written: every live document destroyed, and none kept. */
  destroyAll() {
    for (const slot of this.slots.values()) {
      if (slot.phase !== "live") continue;
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      this.sources.relay.detach(slot.live);
      slot.live.destroy();
    }
    this.slots.clear();
  }
}
