import { describe, expect, it } from "vitest";
import type { SessionState } from "../../sync/doc-session.ts";
import { connectionBanner, savedLabel, syncSummary } from "./saved-label.ts";

const state = (patch: Partial<SessionState>): SessionState => ({
  connection: "online",
  synced: true,
  saved: true,
  generation: 0,
  settings: 0,
  fatal: null,
  end: null,
  role: null,
  ...patch,
});

describe("the saved mark", () => {
  it("names unsaved work whatever the connection is doing", () => {
    const unsaved = state({ saved: false });
    expect(savedLabel([unsaved, state({ connection: "offline" })])[0]).toBe("Offline: not saved yet");
    expect(savedLabel([unsaved, state({ connection: "connecting", synced: false })])[0]).toBe("Connecting: not saved yet");
    expect(savedLabel([unsaved])[0]).toBe("Saving");
  });

  it("says plainly what holds when everything is saved", () => {
    expect(savedLabel([state({}), state({ connection: "connecting", synced: false })])[0]).toBe("Connecting");
    expect(savedLabel([state({}), state({ connection: "offline" })])[0]).toBe("Offline");
    expect(savedLabel([state({}), state({ connection: "stopped" })])[0]).toBe("Not connected");
    expect(savedLabel([state({})])).toEqual(["Saved", "✓ Saved"]);
  });

  it("gives the banner the same reading of the connection as the mark, unsaved work and all", () => {
    const banner = (...states: SessionState[]) => connectionBanner(syncSummary(states));
    expect(banner(state({ saved: false }), state({ connection: "connecting", synced: false }))).toMatch(/^Connecting to the live session… What you wrote is not saved yet/);
    expect(banner(state({}), state({ connection: "connecting", synced: false }))).toBe("Connecting to the live session…");
    expect(banner(state({ saved: false }), state({ connection: "offline" }))).toMatch(/^You are offline\./);
    // A stopped document is told by its own message; "will merge when the connection returns" would be untrue.
    expect(banner(state({ connection: "stopped" }), state({ connection: "offline" }))).toBeNull();
    expect(banner(state({ saved: false }))).toBeNull();
  });
});
