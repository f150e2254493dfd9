import { describe, expect, it } from "vitest";
import { lockedWords, newWorkLock, replyLock } from "./locked-words.ts";

describe("why a form left open was not sent", () => {
  it("names the ending, and only lost access as lost access", () => {
    expect(lockedWords("reply", "access")).toBe("This reply was not sent: you no longer have access to this article. Copy it to keep it.");
    expect(lockedWords("edit", "signedOut")).toMatch(/^This edit was not saved: you were signed out\./);
    expect(lockedWords("answer", "closed")).toBe("The live connection ended; this answer was not sent. Copy it to keep it.");
    for (const end of ["gone", "signedOut", "renamed", "closed"] as const) expect(lockedWords("reply", end)).not.toMatch(/access/);
  });

  it("tells a thread hidden or rejected apart from a change of role, and the ending before either", () => {
    expect(replyLock(null, { status: "hidden" })).toBe("hidden");
    expect(replyLock(null, { status: "rejected" })).toBe("rejected");
    expect(replyLock(null, { status: "published" })).toBe("role");
    expect(replyLock("gone", { status: "hidden" })).toBe("gone");
    expect(lockedWords("edit", "role")).toBe("This edit was not saved: you can no longer edit this annotation. Copy it to keep it.");
  });

  it("locks a new comment or fact-check on a demotion or an ending, and not while it may be posted", () => {
    expect(newWorkLock("comment", true, null)).toBeNull();
    expect(newWorkLock("comment", false, null)).toBe("This comment was not posted: your role in this group no longer allows new annotations. Copy it to keep it.");
    expect(newWorkLock("factcheck", false, "access")).toBe("This fact-check was not saved: you no longer have access to this article. Copy it to keep it.");
  });
});
