import * as Y from "yjs";

/**
 * Which map entries an update may leave with no value (docs/sync.md, "What
 * you may write"). In a Y.Map the rightmost item at a key holds its value:
 * an item that lands at the right end deletes the one before it, and one that
 * lands further left is deleted as it arrives. So which of an update's items
 * ends up the value follows from their origins, not from their order in the
 * update, and an entry is left empty when its rightmost item is deleted.
 *
 * That happens through a deleted item the update carries (content a client
 * set and removed before sending, or a crafted one, which Yjs integrates at
 * the key and so deletes the value there), an item its delete set names, or
 * the live value its delete set names. Each is harmless when another item of
 * the update names it as its origin, for that item lands to its right: the
 * rightmost item is then one no item follows, and if that one is deleted it
 * is reported here. A client that overwrites a value writes the new one after
 * the old, and the new values are checked as edits, so only removals are
 * left to judge.
 */
export class MapEntries<Key> {
  private readonly placedItems: Y.Item[] = [];
  private readonly deleted: Array<{ item: Y.Item; key: Key }> = [];

  /** An item the update places (deleted or not): what it follows is not the rightmost item any more. */
  placed(item: Y.Item) {
    this.placedItems.push(item);
  }

  /** A deleted item at `key`, carried by the update or named in its delete set. */
  deletedAt(item: Y.Item, key: Key) {
    this.deleted.push({ item, key });
  }

  /** The keys that may end with no value: those of deleted items that no item follows. */
  emptied(): Key[] {
    if (this.deleted.length === 0) return []; // most updates: nothing to look up
    const followed = new Map<number, Set<number>>(); // origins, as clocks by client
    for (const { origin } of this.placedItems) {
      if (!origin) continue;
      const clocks = followed.get(origin.client);
      if (clocks) clocks.add(origin.clock);
      else followed.set(origin.client, new Set([origin.clock]));
    }
    const isFollowed = ({ id, length }: Y.Item) => followed.get(id.client)?.has(id.clock + length - 1) ?? false;
    return this.deleted.filter(({ item }) => !isFollowed(item)).map(({ key }) => key);
  }
}
