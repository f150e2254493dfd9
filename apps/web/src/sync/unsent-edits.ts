import type * as Y from "yjs";
import { type AnnotationMap, type AnnotationValue, annotationsOf, readAnnotation } from "@marginalia/schema";

/**
 * Our edits of annotations the server already had, until it has them. The server takes an edit of an
 * annotation that left the document meanwhile (a submission approved into the group's document, a thread
 * hidden, an annotation deleted from another tab) and changes nothing with it (docs/sync.md): the copy here
 * then loses the annotation, edit and all, and nothing is refused that the reader could tell the user of.
 * So the edit is noticed here, as the server's copy takes away an annotation we edited and had not saved.
 *
 * The edits are kept beside the document's stored copy (`store`), for they outlive the page when it closes
 * before they are sent: the next page sends them from storage, and what the server's copy no longer holds
 * once it has synced is told the same way. Our new annotations are kept the same way, until the server
 * has them, for the one case where nothing can send them any more: access lost (doc-session.ts, `stop`).
 */
export type Unsent = { edits: AnnotationValue[]; created: AnnotationValue[] };
export type EditStore = { load(): Promise<Unsent>; save(unsent: Unsent): void };

export class UnsentEdits {
  /** The annotation as our last edit left it, by id. */
  private edits = new Map<string, AnnotationValue>();
  /**
   * Our new annotations, as we last left them, until the server has them. Nothing here is told while the
   * page can still send them (salvage.ts writes them again after a refusal); they are `pending` when it
   * never can, because access ended (doc-session.ts, `stop`).
   */
  private created = new Map<string, AnnotationValue>();
  /** Annotations whose status we changed since the last settle. */
  private statusSet = new Set<string>();
  /** The server's state has been received (serverSynced) at least once. */
  private serverSeen = false;
  /** Nothing of ours is unsaved since the last settle. */
  private settled = false;
  /** What the store was last given was empty: the same again is not written. */
  private savedEmpty = false;
  private readonly annotations: Y.Map<AnnotationMap>;

  /** `fromServer` tells the transactions that bring the server's copy; those from storage are neither ours nor its. */
  constructor(
    doc: Y.Doc,
    origins: { fromServer(origin: unknown): boolean; fromStorage(origin: unknown): boolean },
    private readonly onLost: (lost: AnnotationValue[]) => void,
    private readonly store?: EditStore,
  ) {
    const annotations = annotationsOf(doc);
    this.annotations = annotations;
    void store?.load().then((kept) => this.restore(kept), () => {});
    annotations.observeDeep((events, transaction) => {
      if (origins.fromStorage(transaction.origin)) return;
      if (origins.fromServer(transaction.origin)) return this.serverChanged(annotations, events);
      this.settled = false;
      for (const event of events) {
        if (event.target === annotations) {
          // Deleted by us: nothing left to lose.
          for (const [id, change] of event.changes.keys) {
            const map = annotations.get(id);
            if (change.action === "delete" || !map) {
              this.edits.delete(id);
              this.created.delete(id);
            } else this.created.set(id, readAnnotation(map));
          }
        } else if (typeof event.path[0] === "string") {
          const id = event.path[0];
          const map = annotations.get(id);
          // A status we set can be what moves it (a moderator hiding or unhiding on the socket): that is no loss.
          const ownStatus = event.target === map && (event as Y.YMapEvent<unknown>).keysChanged.has("status");
          if (map && this.created.has(id)) this.created.set(id, readAnnotation(map));
          else if (ownStatus) {
            this.statusSet.add(id);
            this.edits.delete(id);
          } else if (map && !this.statusSet.has(id)) this.edits.set(id, readAnnotation(map));
        }
      }
      this.save();
    });
  }

  /** Everything is saved and the server's state received: what was edited is in the server's copy. */
  settle() {
    this.settled = true;
    if (this.edits.size === 0 && this.created.size === 0 && this.statusSet.size === 0) return;
    this.edits.clear();
    this.created.clear();
    this.statusSet.clear();
    this.save();
  }

  /** What the server does not have yet: our new annotations, and our edits, each as we last left it. */
  pending(): AnnotationValue[] {
    return [...this.created.values(), ...this.edits.values()];
  }

  /**
   * The server's state is in: an edit whose annotation it no longer holds was lost, however that went by
   * unseen (the edit came from storage, or the annotation left before this page's copy loaded).
   */
  serverSynced() {
    this.serverSeen = true;
    this.lose([...this.edits.values()].filter((value) => !this.annotations.has(value.id)));
  }

  /** Edits the server's copy took away: no longer ours to send, and told. */
  private lose(lost: AnnotationValue[]) {
    if (lost.length === 0) return;
    for (const value of lost) this.edits.delete(value.id);
    this.save();
    this.onLost(lost);
  }

  /** Edits a previous page left unsent; newer ones of this page win. */
  private restore(kept: Unsent) {
    if (kept.edits.length === 0 && kept.created.length === 0) return;
    for (const value of kept.edits) if (!this.edits.has(value.id)) this.edits.set(value.id, value);
    for (const value of kept.created) if (!this.created.has(value.id)) this.created.set(value.id, value);
    if (this.serverSeen) this.serverSynced();
    // Already saved since: what storage held has reached the server.
    if (this.settled) this.settle();
  }

  private save() {
    const empty = this.edits.size === 0 && this.created.size === 0;
    if (empty && this.savedEmpty) return;
    this.savedEmpty = empty;
    this.store?.save({ edits: [...this.edits.values()], created: [...this.created.values()] });
  }

  private serverChanged(annotations: Y.Map<AnnotationMap>, events: Array<Y.YEvent<any>>) {
    const lost: AnnotationValue[] = [];
    for (const event of events) {
      if (event.target !== annotations) continue;
      for (const [id, change] of event.changes.keys) {
        const edited = this.edits.get(id);
        if (change.action === "delete" && edited) lost.push(edited);
      }
    }
    this.lose(lost);
  }
}
