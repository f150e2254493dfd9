import type * as Y from "yjs";
import { type AnnotationMap, type AnnotationValue, annotationsOf, readAnnotation } from "@marginalia/schema";

/**
 * Our edits of annotations the server already had, until it has them. The server takes an edit of an
 * annotation that left the document meanwhile (a submission approved into the group's document, a thread
 * hidden, an annotation deleted from another tab) and changes nothing with it (docs/sync.md): the copy here
 * then loses the annotation, edit and all, and nothing is refused that the reader could tell the user of.
 * So the edit is noticed here, as the server's copy takes away an annotation we edited and had not saved.
 */
export class UnsentEdits {
  /** The annotation as our last edit left it, by id. */
  private edits = new Map<string, AnnotationValue>();
  /** Annotations whose status we changed since the last settle. */
  private statusSet = new Set<string>();

  /** `fromServer` tells the transactions that bring the server's copy; those from storage are neither ours nor its. */
  constructor(
    doc: Y.Doc,
    origins: { fromServer(origin: unknown): boolean; fromStorage(origin: unknown): boolean },
    private readonly onLost: (lost: AnnotationValue[]) => void,
  ) {
    const annotations = annotationsOf(doc);
    annotations.observeDeep((events, transaction) => {
      if (origins.fromStorage(transaction.origin)) return;
      if (origins.fromServer(transaction.origin)) return this.serverChanged(annotations, events);
      for (const event of events) {
        if (event.target === annotations) {
          // Added: new work, which salvage.ts looks after; deleted by us: nothing left to lose.
          for (const [id, change] of event.changes.keys) if (change.action === "delete") this.edits.delete(id);
        } else if (typeof event.path[0] === "string") {
          const id = event.path[0];
          const map = annotations.get(id);
          // A status we set can be what moves it (a moderator hiding or unhiding on the socket): that is no loss.
          const ownStatus = event.target === map && (event as Y.YMapEvent<unknown>).keysChanged.has("status");
          if (ownStatus) {
            this.statusSet.add(id);
            this.edits.delete(id);
          } else if (map && !this.statusSet.has(id)) this.edits.set(id, readAnnotation(map));
        }
      }
    });
  }

  /** Everything is saved and the server's state received: what was edited is in the server's copy. */
  settle() {
    this.edits.clear();
    this.statusSet.clear();
  }

  private serverChanged(annotations: Y.Map<AnnotationMap>, events: Array<Y.YEvent<any>>) {
    const lost: AnnotationValue[] = [];
    for (const event of events) {
      if (event.target !== annotations) continue;
      for (const [id, change] of event.changes.keys) {
        const edited = this.edits.get(id);
        if (change.action !== "delete" || !edited) continue;
        this.edits.delete(id);
        lost.push(edited);
      }
    }
    if (lost.length) this.onLost(lost);
  }
}
