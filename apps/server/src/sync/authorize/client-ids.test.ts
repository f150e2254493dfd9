import { describe, expect, it } from "vitest";
import { ClientIds, MAX_RELEASED_PRESENCE, PRESENCE_GRACE_MS, SERVER_WRITER } from "./client-ids.ts";

/** A register on a clock the test moves. */
function register() {
  const clock = { now: 0 };
  const kept: number[] = [];
  const ids = new ClientIds(1, () => clock.now);
  ids.onClaim = (clientId) => kept.push(clientId);
  return { ids, clock, kept };
}

describe("client ids shown only for presence", () => {
  it("belong to their member while shown and for a grace after, then to nobody", () => {
    const { ids, clock } = register();
    expect(ids.show(7, "alice")).toBe(true);
    expect(ids.show(7, "mallory")).toBe(false);
    expect(ids.ownerOf(7)).toBe("alice");
    clock.now = 10 * PRESENCE_GRACE_MS; // shown all along: still hers
    expect(ids.ownerOf(7)).toBe("alice");
    ids.hide(7);
    clock.now += PRESENCE_GRACE_MS - 1;
    expect(ids.ownerOf(7)).toBe("alice");
    expect(ids.claim(7, "mallory")).toBe(false);
    clock.now += 1;
    expect(ids.ownerOf(7)).toBeUndefined();
    expect(ids.show(7, "mallory")).toBe(true);
  });

  it("are taken back by their member within the grace, as a reconnecting tab does", () => {
    const { ids, clock } = register();
    ids.show(7, "alice");
    ids.hide(7);
    clock.now += PRESENCE_GRACE_MS / 2;
    expect(ids.show(7, "alice")).toBe(true);
    clock.now += 2 * PRESENCE_GRACE_MS;
    expect(ids.ownerOf(7)).toBe("alice");
  });

  it("are not kept beside the log until something is written under them, and then for good", () => {
    const { ids, clock, kept } = register();
    ids.show(7, "alice");
    ids.show(8, "alice");
    expect(kept).toEqual([]);
    expect(ids.claim(8, "alice")).toBe(true);
    expect(kept).toEqual([8]);
    ids.hide(7);
    ids.hide(8);
    clock.now += 2 * PRESENCE_GRACE_MS;
    expect(ids.ownerOf(7)).toBeUndefined();
    expect(ids.ownerOf(8)).toBe("alice");
    expect(ids.heldByMember(8)).toBe(true);
  });

  it("are held in memory only as long as the grace, however many a member brings and drops", () => {
    const { ids, clock } = register();
    for (let id = 10; id < 10 + 3 * MAX_RELEASED_PRESENCE; id++) {
      ids.show(id, "viewer");
      ids.hide(id);
      clock.now += 1;
    }
    expect(ids.presenceClaims).toBeLessThanOrEqual(MAX_RELEASED_PRESENCE);
    clock.now += PRESENCE_GRACE_MS;
    ids.show(5, "viewer");
    expect(ids.presenceClaims).toBe(1);
  });
});

describe("client ids of servers", () => {
  it("are a server's when kept for one, as loaded or relayed: no member writes or shows presence under them", () => {
    const { ids, kept } = register();
    expect(ids.claim(42, SERVER_WRITER, { known: true })).toBe(true);
    expect(kept).toEqual([]);
    expect(ids.ownerOf(42)).toBe(SERVER_WRITER);
    expect(ids.heldByMember(42)).toBe(false);
    expect(ids.claim(42, "alice")).toBe(false);
    expect(ids.show(42, "alice")).toBe(false);
    expect(ids.claim(42, SERVER_WRITER)).toBe(true);
    expect(kept).toEqual([]); // claimed once only
  });

  it("hold this server's own id from the start, and let it be claimed for the server alone", () => {
    const { ids, kept } = register();
    expect(ids.ownerOf(1)).toBe(SERVER_WRITER);
    expect(ids.heldByMember(1)).toBe(false);
    expect(ids.claim(1, "alice")).toBe(false);
    expect(ids.show(1, "alice")).toBe(false);
    expect(ids.claim(1, SERVER_WRITER)).toBe(true);
    expect(kept).toEqual([1]);
  });

  it("leave an id nobody claimed to nobody: a server's writes from before servers claimed theirs", () => {
    const { ids } = register();
    expect(ids.ownerOf(9)).toBeUndefined();
    expect(ids.heldByMember(9)).toBe(false);
  });
});
