import { describe, expect, it } from "vitest";
import { pseudonym } from "../access/member-ids.ts";
import { seesNames } from "./identities.ts";

describe("identities", () => {
  const group = "5f0c4b8e-1d7a-4c1e-9a57-0d6f2e1b3c4d";
  const user = "0b7e9a12-3c4d-4e5f-8a9b-1c2d3e4f5a6b";

  it("gives one person the same pseudonym in a group, and different ones across groups", () => {
    expect(pseudonym(group, user)).toBe(pseudonym(group, user));
    expect(pseudonym(group, user)).toMatch(/^Participant [A-Z2-7]{4}$/);
    expect(pseudonym("6f0c4b8e-1d7a-4c1e-9a57-0d6f2e1b3c4d", user)).not.toBe(pseudonym(group, user));
  });

  it("shows names to moderators and owners always, and to members only when the group is not anonymous", () => {
    expect(seesNames(false, "viewer")).toBe(true);
    expect(seesNames(true, "annotator")).toBe(false);
    expect(seesNames(true, "viewer")).toBe(false);
    expect(seesNames(true, null)).toBe(false);
    expect(seesNames(true, "moderator")).toBe(true);
    expect(seesNames(true, "owner")).toBe(true);
  });
});
