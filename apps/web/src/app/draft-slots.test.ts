import { describe, expect, it } from "vitest";
import { MAX_AGE_MS, MAX_SLOTS, type Slot, claim, prune, readSlot, slotKey, slotRecord } from "./draft-slots.ts";

const PREFIX = "marginalia.draft:";
const DAY = 24 * 60 * 60 * 1000;
const NOW = 1_800_000_000_000;

const slot = (base: string, tab: string, at: number | null, value: unknown): Slot => ({ key: slotKey(PREFIX, base, tab), base, tab, at, value });

describe("draft slots", () => {
  it("reads a slot back as written, a draft stored before slots as undated, and nothing else", () => {
    const key = slotKey(PREFIX, "u1:a1:reply:t1", "tab1");
    expect(readSlot(PREFIX, key, slotRecord("Half a reply", NOW))).toEqual({ key, base: "u1:a1:reply:t1", tab: "tab1", at: NOW, value: "Half a reply" });
    expect(readSlot(PREFIX, `${PREFIX}u1:a1:reply:t1`, JSON.stringify("Old"))).toMatchObject({ base: "u1:a1:reply:t1", at: null, value: "Old" });
    expect(readSlot(PREFIX, "other:key", slotRecord("x", NOW))).toBeNull();
    expect(readSlot(PREFIX, key, "{not json")).toBeNull();
    expect(readSlot(PREFIX, key, JSON.stringify({ value: "no time" }))).toBeNull();
  });

  it("offers the text written last, and sets aside another tab's different text, not the same one twice nor one the newest goes on from", () => {
    const slots = [
      slot("u1:a1:reply:t1", "first", NOW - 2_000, "From the first tab"),
      slot("u1:a1:reply:t1", "second", NOW - 1_000, "From the second tab"),
      slot("u1:a1:reply:t1", "third", NOW - 3_000, "From the second tab"),
      slot("u1:a1:reply:t1", "fourth", NOW - 4_000, "From the sec"),
      slot("u1:a1:edit:c1", "first", null, { body: "Edited" }),
      slot("u1:a2:reply:t9", "first", NOW, "Another article"),
      slot("u2:a1:reply:t1", "first", NOW, "Another account"),
    ];
    const { newest, setAside } = claim(slots, "u1:a1");
    expect(newest.map((s) => [s.base, s.value])).toEqual([
      ["u1:a1:reply:t1", "From the second tab"],
      ["u1:a1:edit:c1", { body: "Edited" }],
    ]);
    expect(setAside.map((s) => s.value)).toEqual(["From the first tab"]);
  });

  it("lets go of other articles' drafts older than the age bound, keeps the open article's however old, and dates the undated", () => {
    const slots = [
      slot("u1:a1:reply:t1", "x", NOW - 90 * DAY, "Open article, old"),
      slot("u1:a2:reply:t2", "x", NOW - MAX_AGE_MS - 1, "Too old"),
      slot("u1:a2:reply:t3", "x", NOW - MAX_AGE_MS + DAY, "Recent enough"),
      slot("u1:a3:reply:t4", "x", null, "Undated"),
    ];
    const { remove, undated } = prune(slots, NOW, "u1:a1");
    expect(remove).toEqual([slots[1]!.key]);
    expect(undated.map((s) => s.value)).toEqual(["Undated"]);
  });

  it("keeps at most MAX_SLOTS drafts, letting the oldest of other articles go first", () => {
    const open = [slot("u1:a1:reply:t0", "x", NOW - 60 * DAY, "open")];
    const others = Array.from({ length: MAX_SLOTS + 5 }, (_, i) => slot(`u1:b${i}:reply:t`, "x", NOW - i * 1_000, `draft ${i}`));
    const { remove } = prune([...open, ...others], NOW, "u1:a1");
    // One slot of room goes to the open article: the six oldest others go.
    expect(remove.sort()).toEqual(others.slice(MAX_SLOTS - 1).map((s) => s.key).sort());
  });
});
