import * as Y from "yjs";

/**
 * Where a struct sits in the document: the root type's name and the chain of
 * map keys below it (null for a position in a list or text). For example
 * `{root: "annotations", keys: [id, "body", null]}` is a character of an
 * annotation's body.
 */
export type Location = { root: string; keys: (string | null)[] };

/**
 * The location of an item whose context is gone: its left neighbour or its
 * parent was garbage-collected, because the type that held it (an annotation
 * map, its body) was deleted. Yjs integrates such an item as a GC struct, so
 * it changes nothing. An honest client sends one when it edited something
 * that someone else deleted meanwhile (a moderator's status change racing the
 * author's delete).
 */
export const GONE: Location = Object.freeze({ root: "", keys: [] }) as Location;

/**
 * The location of an item that builds on content the server has not received
 * yet (a clock beyond its state vector): an honest client that edits, right
 * after reconnecting, what it wrote offline sends such an update before its
 * sync step 2 catches the server up. It can be checked only once that arrives.
 */
export const MISSING: Location = Object.freeze({ root: "", keys: [] }) as Location;

type ParentRef = string | Y.ID | Y.AbstractType<unknown> | null;

/**
 * Resolves the location of items in a decoded update, looking parents and
 * origins up among the update's own items or in the live document
 * (docs/architecture.md, "The path of an update"). Returns null for an item whose context is unknown.
 */
export class Locator {
  private readonly byClient = new Map<number, Y.Item[]>();
  private readonly gcsByClient = new Map<number, Y.GC[]>();
  private readonly memo = new Map<Y.Item, Location | null>();
  private readonly reached = new Map<number, number>();

  constructor(
    private readonly doc: Y.Doc,
    updateItems: Y.Item[],
    /** The update's garbage-collected structs: content its sender already deleted. */
    updateGCs: Y.GC[] = [],
  ) {
    for (const item of updateItems) {
      const list = this.byClient.get(item.id.client) ?? [];
      list.push(item);
      this.byClient.set(item.id.client, list);
    }
    for (const gc of updateGCs) {
      const list = this.gcsByClient.get(gc.id.client) ?? [];
      list.push(gc);
      this.gcsByClient.set(gc.id.client, list);
    }
    for (const list of this.byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
    for (const list of this.gcsByClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  }

  /** The update's own item that contains `id`, if any. */
  updateItemAt(id: Y.ID): Y.Item | undefined {
    return findIn(this.byClient.get(id.client), id.clock);
  }

  /** The update's own garbage-collected struct that contains `id`, if any. */
  updateGCAt(id: Y.ID): Y.GC | undefined {
    return findIn(this.gcsByClient.get(id.client), id.clock);
  }

  /** The live document's struct that contains `id`, if the document has it. */
  liveStructAt(id: Y.ID): Y.Item | Y.GC | undefined {
    const structs = this.doc.store.clients.get(id.client);
    if (!structs || structs.length === 0) return undefined;
    const last = structs[structs.length - 1]!;
    if (id.clock >= last.id.clock + last.length) return undefined;
    return structs[Y.findIndexSS(structs, id.clock)] as Y.Item | Y.GC;
  }

  /**
   * Whether Yjs would have to set `item` aside as pending rather than
   * integrate it: its clock starts past what the document and the update's
   * earlier structs hold for its client (a gap), or it names a struct that
   * is in neither (`namesUnknown`). Let through, such an item waits in the
   * server's pending store, is sent on to every client inside sync replies,
   * and comes back from them later as if they had written it.
   */
  dependsOnMissing(item: Y.Item): boolean {
    return item.id.clock > this.reachedClockOf(item.id.client) || this.namesUnknown(item);
  }

  /**
   * Whether `item` names, as its left or right origin or as its parent, a
   * struct that neither the update nor the document has. Yjs looks these up
   * for every struct it reads, before it skips one it already has.
   */
  namesUnknown(item: Y.Item): boolean {
    const parent = item.parent instanceof Y.ID ? item.parent : null;
    return [item.origin, item.rightOrigin, parent].some(
      (ref) => ref !== null && !this.updateItemAt(ref) && !this.updateGCAt(ref) && !this.liveStructAt(ref),
    );
  }

  /**
   * For an item that starts before its client's clock here: whether the
   * struct Yjs will place its new part after (the client's last one here)
   * sits in the same list as the place the item names. A map value never
   * continues: Yjs writes each as one struct of its own.
   */
  continuesWhereNamed(item: Y.Item): boolean {
    const named = this.dependsOnMissing(item) ? MISSING : this.locate(item);
    // Judged when what it builds on arrives; or dropped by Yjs, as an edit inside something deleted.
    if (named === MISSING || named === GONE) return true;
    const last = this.liveStructAt(Y.createID(item.id.client, Y.getState(this.doc.store, item.id.client) - 1));
    const here = last instanceof Y.Item ? this.locate(last) : null;
    if (!named || !here || here === GONE || here === MISSING || here.keys.at(-1) !== null) return false;
    return here.root === named.root && here.keys.length === named.keys.length && here.keys.every((key, i) => key === named.keys[i]);
  }

  /** How far the clocks of `client` run without a gap, through the document and then the update. */
  reachedClockOf(client: number): number {
    let reached = this.reached.get(client);
    if (reached !== undefined) return reached;
    reached = Y.getState(this.doc.store, client);
    const own = [...(this.byClient.get(client) ?? []), ...(this.gcsByClient.get(client) ?? [])].sort((a, b) => a.id.clock - b.id.clock);
    for (const struct of own) {
      if (struct.id.clock > reached) break;
      reached = Math.max(reached, struct.id.clock + struct.length);
    }
    this.reached.set(client, reached);
    return reached;
  }

  locate(item: Y.Item): Location | null {
    // Text typed one character at a time chains each item to the previous one
    // through its origin, so the walk is iterative rather than recursive; the
    // set guards against a crafted update whose origins form a cycle.
    const chain = new Set<Y.Item>();
    let current: Y.Item | null = item;
    let found: Location | null = null;
    while (current) {
      const known = this.memo.get(current);
      if (known !== undefined || chain.has(current)) {
        found = known ?? null;
        break;
      }
      chain.add(current);
      const step = this.parentOf(current);
      if (step.kind === "sibling") {
        current = step.item;
        continue;
      }
      found =
        step.kind === "parent"
          ? this.below(step.parent, current.parentSub)
          : step.kind === "gone"
            ? GONE
            : step.kind === "missing"
              ? MISSING
              : null;
      break;
    }
    // Every item in the chain shares the parent and key of the one that resolved it.
    for (const link of chain) this.memo.set(link, found);
    return found;
  }

  private parentOf(
    item: Y.Item,
  ): { kind: "parent"; parent: ParentRef } | { kind: "sibling"; item: Y.Item } | { kind: "gone" } | { kind: "missing" } | { kind: "unknown" } {
    if (item.parent !== null) return { kind: "parent", parent: item.parent as ParentRef };
    const ref = item.origin ?? item.rightOrigin;
    if (!ref) return { kind: "unknown" };
    const own = this.updateItemAt(ref);
    if (own) return own === item ? { kind: "unknown" } : { kind: "sibling", item: own };
    // Yjs drops an item whose origin was garbage-collected (Item.getMissing).
    if (this.updateGCAt(ref)) return { kind: "gone" };
    const live = this.liveStructAt(ref);
    if (live instanceof Y.GC) return { kind: "gone" };
    if (live === undefined) return { kind: "missing" };
    if (!(live instanceof Y.Item)) return { kind: "unknown" };
    // A live sibling already knows its parent type and key.
    return { kind: "sibling", item: live };
  }

  private below(parent: ParentRef, sub: string | null): Location | null {
    if (typeof parent === "string") return { root: parent, keys: [sub] };
    if (parent instanceof Y.AbstractType) {
      const owner = parent._item;
      if (!owner) return { root: Y.findRootTypeKey(parent), keys: [sub] };
      return this.under(this.locate(owner), sub);
    }
    if (parent) {
      const owner = this.updateItemAt(parent) ?? this.updateGCAt(parent) ?? this.liveStructAt(parent);
      if (owner === undefined) return MISSING;
      // A parent that was garbage-collected, or whose type was (its content is deleted), takes nothing in.
      if (owner instanceof Y.GC || (owner instanceof Y.Item && owner.content instanceof Y.ContentDeleted)) return GONE;
      if (!(owner instanceof Y.Item)) return null;
      return this.under(this.locate(owner), sub);
    }
    return null;
  }

  private under(above: Location | null, sub: string | null): Location | null {
    if (above === null || above === GONE || above === MISSING) return above;
    return { root: above.root, keys: [...above.keys, sub] };
  }
}

/** The struct of a clock-sorted list that contains `clock`, by binary search. */
function findIn<T extends { id: Y.ID; length: number }>(list: T[] | undefined, clock: number): T | undefined {
  if (!list) return undefined;
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const struct = list[mid]!;
    if (clock < struct.id.clock) hi = mid - 1;
    else if (clock >= struct.id.clock + struct.length) lo = mid + 1;
    else return struct;
  }
  return undefined;
}
