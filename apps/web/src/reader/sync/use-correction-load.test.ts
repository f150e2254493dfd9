import { describe, expect, it } from "vitest";
import { type Ask, nextAsk } from "./use-correction-load.ts";

/** The ask through a run of (loading, error) states, as renders see them. */
function through(states: [boolean, string | null][], ask: Ask = "asked"): Ask[] {
  return states.map(([loading, error]) => (ask = nextAsk(ask, loading, error)));
}

describe("the reader's own load of a correction", () => {
  it("is the reader's while it runs and after it fails, until a load succeeds", () => {
    expect(through([[true, null], [false, "no network"], [true, "no network"], [false, null]])).toEqual(["running", "running", "running", "none"]);
  });

  it("ends with its success, so that a reload the page makes later is not told as the reader's", () => {
    const after = through([[true, null], [false, null]]);
    expect(after).toEqual(["running", "none"]);
    expect(through([[true, null], [false, "the server could not answer"]], after.at(-1))).toEqual(["none", "none"]);
  });

  it("waits, once asked, for the load to be seen running: a render before it is no outcome", () => {
    expect(through([[false, "an old failure"], [true, null], [false, null]])).toEqual(["asked", "running", "none"]);
  });
});
