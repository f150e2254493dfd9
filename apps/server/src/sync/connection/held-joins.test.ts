import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { buildsOn, claims, joinedClaim, reachOf } from "./held-joins.ts";

/** Three changes of one client, in three transactions, and the updates they made. */
function threeChanges() {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  const text = doc.getText("t");
  for (const part of ["one ", "two ", "three"]) text.insert(text.length, part);
  return { client: doc.clientID, updates };
}

describe("held updates joined", () => {
  it("tell which build on which by the clocks their structs span, gaps included", () => {
    const { client, updates } = threeChanges();
    const gapped = Y.mergeUpdates([updates[0]!, updates[2]!]);
    expect(reachOf(gapped).get(client)).toEqual([0, 13]);
    // The second change awaits the end of the first; the gapped update awaits the end of the second.
    expect(buildsOn(new Map([[client, 3]]), reachOf(gapped))).toBe(true);
    expect(buildsOn(new Map([[client, 7]]), reachOf(updates[1]!))).toBe(true);
    expect(buildsOn(new Map([[client, 13]]), reachOf(gapped))).toBe(false);
    expect(buildsOn(new Map([[client + 1, 3]]), reachOf(gapped))).toBe(false);
  });

  it("claim what each part would have: a live update's new ids, and a step 2's named by presence", () => {
    const { client, updates } = threeChanges();
    const server = new Y.Doc();
    const live = { claim: "all" as const, update: updates[1]! };
    expect(joinedClaim(server, [live, { claim: "all", update: updates[2]! }])).toBe("all");
    const mixed = joinedClaim(server, [{ claim: "presence", update: updates[0]! }, live]);
    expect(mixed).toEqual(new Set([client]));
    expect(claims(mixed, client, new Set())).toBe(true);
    expect(claims(mixed, client + 1, new Set())).toBe(false);
    expect(claims(mixed, client + 1, new Set([client + 1]))).toBe(true);
    expect(claims("presence", client, new Set())).toBe(false);
    expect(claims("all", client, new Set())).toBe(true);
  });
});
