import { describe, expect, it } from "vitest";
import { canAssign, canDelete, canEdit, canReply, canResolve, canVote, canWrite, isVisible, moderatorActions, placementFor, replyPlacement } from "./permissions.ts";

const me = "00000000-0000-4000-8000-000000000001";
const other = "00000000-0000-4000-8000-000000000002";
const mine = { authorId: me, kind: "comment" as const, status: "published" as const, source: "group" as const };
const theirs = { ...mine, authorId: other };
const publishedFactcheck = { ...mine, kind: "factcheck" as const };

describe("permissions", () => {
  it("offers a viewer nothing that writes", () => {
    expect(canWrite("viewer")).toBe(false);
    expect(canEdit(mine, me, "viewer")).toBe(false);
    expect(canResolve(mine, me, "viewer")).toBe(false);
    expect(canVote(theirs, "viewer")).toBe(false);
    expect(canReply(theirs, "viewer")).toBe(false);
    expect(moderatorActions(theirs, "viewer")).toEqual([]);
  });

  it("lets annotators edit and delete only their own, and not a published fact-check", () => {
    expect(canEdit(mine, me, "annotator")).toBe(true);
    expect(canDelete(theirs, me, "annotator")).toBe(false);
    expect(canEdit(publishedFactcheck, me, "annotator")).toBe(false);
    expect(canEdit(publishedFactcheck, me, "moderator")).toBe(true);
  });

  it("lets the author or a moderator assign group annotations, as the server does", () => {
    expect(canAssign(mine, me, "annotator")).toBe(true);
    expect(canAssign(theirs, me, "annotator")).toBe(false);
    expect(canAssign(theirs, me, "moderator")).toBe(true);
    expect(canAssign(publishedFactcheck, me, "annotator")).toBe(false);
    expect(canAssign({ ...mine, source: "private" }, me, "owner")).toBe(false);
  });

  it("lets moderators resolve and moderate anyone's group annotations", () => {
    expect(canResolve(theirs, me, "moderator")).toBe(true);
    expect(canResolve(theirs, me, "annotator")).toBe(false);
    expect(moderatorActions(theirs, "owner")).toEqual(["hide"]);
    expect(moderatorActions({ ...theirs, status: "pending" }, "moderator")).toEqual(["publish", "hide"]);
    expect(moderatorActions({ ...theirs, status: "hidden" }, "moderator")).toEqual(["unhide"]);
  });

  it("takes votes only on group annotations", () => {
    expect(canVote(theirs, "annotator")).toBe(true);
    expect(canVote({ ...mine, source: "private" }, "annotator")).toBe(false);
  });

  it("hides hidden annotations from everyone but moderators and their author", () => {
    const hidden = { ...theirs, status: "hidden" as const };
    expect(isVisible(hidden, me, "annotator")).toBe(false);
    expect(isVisible(hidden, me, "moderator")).toBe(true);
    expect(isVisible(hidden, other, "annotator")).toBe(true);
  });

  it("places new work where the server accepts it", () => {
    expect(placementFor("comment", "annotator", "open", false)).toMatchObject({ source: "group", status: "published" });
    expect(placementFor("factcheck", "annotator", "open", false)).toMatchObject({ source: "group", status: "pending" });
    expect(placementFor("factcheck", "moderator", "open", false)).toMatchObject({ source: "group", status: "published" });
    expect(placementFor("highlight", "annotator", "pre", false)).toMatchObject({ source: "private", status: "pending" });
    expect(placementFor("highlight", "owner", "pre", false)).toMatchObject({ source: "group", status: "published" });
    expect(placementFor("comment", "annotator", "pre", true)).toMatchObject({ source: "private", status: "published" });
    expect(replyPlacement({ ...mine, source: "private" }, "annotator", "pre")).toMatchObject({ source: "private", status: "published" });
    expect(replyPlacement(theirs, "annotator", "pre")).toMatchObject({ source: "private", status: "pending" });
  });
});
