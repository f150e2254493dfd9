import type * as Y from "yjs";

/**
 * The item a shared map holds at `key`, deleted or not. Only Yjs's internal `_map` reaches it: Yjs keeps a
 * key's last item after a delete, which tells "never held" from "deleted since", and an item carries its
 * clock and the value it replaced (`left`). The public API answers none of these, and this one place is
 * what changes if Yjs renames the field.
 */
export function itemAt(map: Y.AbstractType<any>, key: string): Y.Item | undefined {
  return map._map.get(key);
}
