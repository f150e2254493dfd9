import { useSyncExternalStore } from "react";
import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";
import { type CodePointIndex, type SessionSummary, presenceFromAwareness, summarize } from "@marginalia/schema";
import type { DocSession } from "../sync/doc-session.ts";
import { useDocStore } from "../sync/hooks.ts";

/**
 * The dashboard's numbers, recomputed from the group document whenever it
 * or the presence on it changes: the same `summarize` the server's JSON
 * uses, so the two cannot disagree. Changes that arrive together (a sync
 * step brings many) are folded into one recomputation.
 */
export class SummaryStore {
  private snapshot: SessionSummary;
  private listeners = new Set<() => void>();
  private scheduled = false;

  constructor(
    private readonly doc: Y.Doc,
    private readonly awareness: Awareness,
    private readonly index: CodePointIndex,
  ) {
    this.snapshot = this.compute();
    doc.on("update", this.schedule);
    awareness.on("change", this.schedule);
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  getSnapshot = () => this.snapshot;

  dispose() {
    this.doc.off("update", this.schedule);
    this.awareness.off("change", this.schedule);
    this.listeners.clear();
  }

  private schedule = () => {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.snapshot = this.compute();
      for (const fn of this.listeners) fn();
    });
  };

  private compute() {
    return summarize(this.doc, presenceFromAwareness(this.awareness.getStates()), { index: this.index });
  }
}

const noSubscribe = () => () => {};
const nothing = () => null;

/** The live summary of a session's group document; null until the session exists. */
export function useSummary(session: DocSession | null, index: CodePointIndex): SessionSummary | null {
  const store = useDocStore(session, (s) => new SummaryStore(s.doc, s.awareness, index), [index]);
  return useSyncExternalStore(store?.subscribe ?? noSubscribe, store?.getSnapshot ?? nothing);
}
