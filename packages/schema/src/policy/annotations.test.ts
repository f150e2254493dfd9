import { describe, expect, it } from "vitest";
import { type Actor, LOCKED_FACTCHECK, mayReviseVerdict, promptsStaleness, refuseCreate, refuseDelete, refuseFieldEdit, refuseUnreviewedStatus, statusAfterEdit, type Subject, unhiddenStatus } from "./annotations.ts";

const factcheck = { claim: "Water boils at 100 degrees", verdict: "false", sources: [] };
const annotator: Actor = { userId: "ann", role: "annotator", moderation: "open", room: { kind: "group" } };
const boardOwner = (room: "group" | "hidden"): Actor => ({ userId: "own", role: "owner", moderation: "pre", reviewQuorum: 3, room: { kind: room } });

describe("a verdict belongs to a fact-check (or a reply)", () => {
  it("refuses a highlight created with a verdict, published or not", () => {
    for (const status of ["published", "draft"] as const) {
      expect(refuseCreate(annotator, { authorId: "ann", kind: "highlight", status, factcheck }), status).toMatch(/highlight carries no verdict/);
    }
  });

  it("refuses a verdict added to one's own published highlight", () => {
    const mine: Subject = { authorId: "ann", kind: "highlight", status: "published" };
    expect(refuseFieldEdit(annotator, mine, "factcheck", factcheck)).toMatch(/verdict/);
    // Clearing a verdict a highlight carries from before the rule stays allowed.
    expect(refuseFieldEdit(annotator, { ...mine, factcheck }, "factcheck", null)).toBeNull();
  });

  it("still lets a fact-check and a reply carry one", () => {
    expect(refuseCreate(annotator, { authorId: "ann", kind: "factcheck", status: "pending", factcheck })).toBeNull();
    expect(refuseCreate(annotator, { authorId: "ann", kind: "comment", status: "published", parentId: "root", factcheck })).toBeNull();
    expect(refuseCreate(annotator, { authorId: "ann", kind: "comment", status: "published", factcheck })).toMatch(/only as a reply/);
  });
});

describe("unhiding brings back the status before the hide", () => {
  const draftVerdict: Subject = { authorId: "own", kind: "factcheck", status: "hidden", factcheck, hiddenFrom: "draft" };

  it("unhides to the remembered status, and to published when none is remembered", () => {
    expect(unhiddenStatus(draftVerdict)).toBe("draft");
    expect(unhiddenStatus({ ...draftVerdict, hiddenFrom: "pending" })).toBe("pending");
    expect(unhiddenStatus({ ...draftVerdict, hiddenFrom: null })).toBe("published");
  });

  it("refuses publishing a board's verdict hidden as a draft, in the hidden document too", () => {
    for (const room of ["group", "hidden"] as const) {
      expect(refuseUnreviewedStatus(boardOwner(room), draftVerdict, "published"), room).toMatch(/reviewed/);
      expect(refuseFieldEdit(boardOwner(room), draftVerdict, "status", "published"), room).not.toBeNull();
      expect(refuseFieldEdit(boardOwner(room), draftVerdict, "status", "draft"), room).toBeNull();
    }
  });

  it("treats a board's hidden verdict with no remembered status as unpublished, and one hidden when published as published", () => {
    expect(refuseUnreviewedStatus(boardOwner("hidden"), { ...draftVerdict, hiddenFrom: null }, "published")).toMatch(/reviewed/);
    expect(refuseUnreviewedStatus(boardOwner("hidden"), { ...draftVerdict, hiddenFrom: "published" }, "published")).toBeNull();
  });

  it("does not let a moderator's status edit publish an open group's pending fact-check through an unhide", () => {
    const moderator: Actor = { userId: "mod", role: "moderator", moderation: "open", room: { kind: "hidden" } };
    const pending: Subject = { authorId: "ann", kind: "factcheck", status: "hidden", factcheck, hiddenFrom: "pending" };
    expect(refuseFieldEdit(moderator, pending, "status", "published")).toMatch(/pending/);
    expect(refuseFieldEdit(moderator, pending, "status", "pending")).toBeNull();
    expect(refuseFieldEdit(moderator, { ...pending, hiddenFrom: null }, "status", "published")).toBeNull();
  });

  it("keeps hiddenFrom for the server to write", () => {
    expect(refuseFieldEdit(boardOwner("hidden"), draftVerdict, "hiddenFrom", "published")).toMatch(/server/);
  });
});

const rejected: Subject = { authorId: "ben", kind: "factcheck", status: "rejected", factcheck: { verdict: "false" } };

describe("statusAfterEdit", () => {
  it("submits a rejected submission again when its author rewrites it in their private document", () => {
    expect(statusAfterEdit("private", rejected, "ben")).toBe("pending");
    expect(statusAfterEdit("private", { ...rejected, kind: "comment", factcheck: null }, "ben")).toBe("pending");
  });

  it("leaves every other status, document and writer as it is", () => {
    for (const status of ["draft", "pending", "published", "hidden"] as const) expect(statusAfterEdit("private", { ...rejected, status }, "ben")).toBeNull();
    expect(statusAfterEdit("group", rejected, "ben")).toBeNull();
    expect(statusAfterEdit("hidden", rejected, "ben")).toBeNull();
    expect(statusAfterEdit("private", rejected, "a-moderator")).toBeNull();
  });
});

describe("a published fact-check's author", () => {
  const published: Subject = { authorId: "ana", kind: "factcheck", status: "published", factcheck: { verdict: "false" } };
  const ana = { userId: "ana", role: "annotator" as const, moderation: "pre" as const, room: { kind: "group" as const } };

  it("is refused an edit and a deletion with words that say what she can do instead", () => {
    for (const refusal of [refuseFieldEdit(ana, published, "body", "x"), refuseDelete(ana, published)]) {
      expect(refusal).toBe(LOCKED_FACTCHECK);
      expect(refusal).not.toMatch(/withdraw/);
      expect(refusal).toMatch(/Flag it/);
    }
  });

  it("is asked to confirm or revise a stale verdict only where she may, and a moderator always", () => {
    expect(mayReviseVerdict(published, "ana", "annotator")).toBe(false);
    expect(mayReviseVerdict({ ...published, status: "pending" }, "ana", "annotator")).toBe(true);
    expect(mayReviseVerdict(published, "mod", "moderator")).toBe(true);
    expect(mayReviseVerdict(published, "ana", "moderator")).toBe(true);
  });
});

describe("staleness prompts", () => {
  it("ask about a verdict that is published or on its way, never one rejected or hidden", () => {
    for (const status of ["draft", "pending", "published"] as const) expect(promptsStaleness({ status })).toBe(true);
    for (const status of ["rejected", "hidden"] as const) expect(promptsStaleness({ status })).toBe(false);
  });
});
