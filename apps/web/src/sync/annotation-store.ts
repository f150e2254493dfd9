import type * as Y from "yjs";
import { type AnnotationMap, type AnnotationValue, annotationsOf, parseVoteKey, readAnnotation, votesOf } from "@marginalia/schema";

export type DocSource = "group" | "private" | "hidden";
export type Item = AnnotationValue & { source: DocSource };

/**
 * A snapshot of one document's annotations that changes identity only when
 * something changed, and re-reads only the annotations an update touched, so
 * that a document with thousands of annotations stays cheap to follow.
 */
export class AnnotationStore {
  private items = new Map<string, Item>();
  private snapshot: Item[] = [];
  private listeners = new Set<() => void>();
  private touchListeners = new Set<(ids: readonly string[]) => void>();
  private removeListeners = new Set<(removed: readonly Item[], local: boolean) => void>();
  private readonly map: Y.Map<AnnotationMap>;

  constructor(doc: Y.Doc, private readonly source: DocSource) {
    this.map = annotationsOf(doc);
    for (const id of this.map.keys()) this.read(id);
    this.publish();
    this.map.observeDeep(this.onChange);
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = () => this.snapshot;

  get(id: string): Item | undefined {
    return this.items.get(id);
  }

  /**
   * Told which annotations a change touched, before the new snapshot is
   * published: for work that can follow a few annotations rather than all.
   */
  onTouched(fn: (ids: readonly string[]) => void) {
    this.touchListeners.add(fn);
    return () => void this.touchListeners.delete(fn);
  }

  /**
   * Told of the annotations a change took out of the document, as they were before it, and whether the
   * change was this page's own (`local`) or came from elsewhere (the server, storage).
   */
  onRemoved(fn: (removed: readonly Item[], local: boolean) => void) {
    this.removeListeners.add(fn);
    return () => void this.removeListeners.delete(fn);
  }

  dispose() {
    this.map.unobserveDeep(this.onChange);
    this.listeners.clear();
    this.touchListeners.clear();
    this.removeListeners.clear();
  }

  private onChange = (events: Array<Y.YEvent<any>>, transaction: Y.Transaction) => {
    const touched = new Set<string>();
    for (const event of events) {
      if (event.target === this.map) for (const key of (event as Y.YMapEvent<unknown>).keysChanged) touched.add(key);
      else if (typeof event.path[0] === "string") touched.add(event.path[0]);
    }
    const removed: Item[] = [];
    for (const id of touched) {
      const before = this.items.get(id);
      this.read(id);
      if (before && !this.items.has(id)) removed.push(before);
    }
    const ids = [...touched];
    for (const fn of this.touchListeners) fn(ids);
    if (removed.length) for (const fn of this.removeListeners) fn(removed, transaction.local);
    this.publish();
  };

  private read(id: string) {
    const map = this.map.get(id);
    if (map) this.items.set(id, { ...readAnnotation(map), id, source: this.source });
    else this.items.delete(id);
  }

  private publish() {
    this.snapshot = [...this.items.values()];
    for (const fn of this.listeners) fn();
  }
}

export type VoteTally = { agree: number; disagree: number; mine: "agree" | "disagree" | null };

/** Vote counts per annotation, and the reader's own vote. */
export class VoteStore {
  private snapshot = new Map<string, VoteTally>();
  private listeners = new Set<() => void>();
  private readonly votes: Y.Map<string>;

  constructor(doc: Y.Doc, private readonly me: string) {
    this.votes = votesOf(doc) as Y.Map<string>;
    this.recount();
    this.votes.observe(this.onChange);
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = () => this.snapshot;

  dispose() {
    this.votes.unobserve(this.onChange);
    this.listeners.clear();
  }

  private onChange = () => {
    this.recount();
    for (const fn of this.listeners) fn();
  };

  private recount() {
    const tallies = new Map<string, VoteTally>();
    for (const [key, value] of this.votes.entries()) {
      const parsed = parseVoteKey(key);
      if (!parsed || (value !== "agree" && value !== "disagree")) continue;
      const tally = tallies.get(parsed.annotationId) ?? { agree: 0, disagree: 0, mine: null };
      tally[value]++;
      if (parsed.userId === this.me) tally.mine = value;
      tallies.set(parsed.annotationId, tally);
    }
    this.snapshot = tallies;
  }
}
