import { describe, expect, it } from "vitest";
import { canAssign, canDelete, canEdit, canReply, canResolve, canVote, canWrite, isVisible, moderatorActions, placementFor, replyPlacement } from "./permissions.ts";

const me = "00000000-0000-4000-8000-000000000001";
const other = "00000000-0000-4000-8000-000000000002";
const mine = { authorId: me, kind: "comment" as const, status: "published" as const, source: "group" as const };
const theirs = { ...mine, authorId: other };
const publishedFactcheck = { ...mine, kind: "factcheck" as const };
const as = (role: "owner" | "moderator" | "annotator" | "viewer", moderation: "open" | "pre" = "open") => ({ me, role, moderation });

describe("permissions", () => {
  it("offers a viewer nothing that writes", () => {
    expect(canWrite("viewer")).toBe(false);
    expect(canEdit(mine, as("viewer"))).toBe(false);
    expect(canResolve(mine, as("viewer"))).toBe(false);
    expect(canVote(theirs, as("viewer"))).toBe(false);
    expect(canReply(theirs, as("viewer"))).toBe(false);
    expect(moderatorActions(theirs, as("viewer"))).toEqual([]);
  });

  it("lets annotators edit and delete only their own, and not a published fact-check", () => {
    expect(canEdit(mine, as("annotator"))).toBe(true);
    expect(canDelete(theirs, as("annotator"))).toBe(false);
    expect(canEdit(publishedFactcheck, as("annotator"))).toBe(false);
    expect(canEdit(publishedFactcheck, as("moderator"))).toBe(true);
  });

  it("offers no edit of approved work in a pre-moderated group, but still its resolution", () => {
    expect(canEdit(mine, as("annotator", "pre"))).toBe(false);
    expect(canResolve(mine, as("annotator", "pre"))).toBe(true);
    expect(canDelete(mine, as("annotator", "pre"))).toBe(true);
  });

  it("lets the author or a moderator assign group annotations, as the server does", () => {
    expect(canAssign(mine, as("annotator"))).toBe(true);
    expect(canAssign(theirs, as("annotator"))).toBe(false);
    expect(canAssign(theirs, as("moderator"))).toBe(true);
    expect(canAssign(publishedFactcheck, as("annotator"))).toBe(false);
    expect(canAssign({ ...mine, source: "private" }, as("owner"))).toBe(false);
  });

  it("lets moderators resolve and moderate anyone's group annotations", () => {
    expect(canResolve(theirs, as("moderator"))).toBe(true);
    expect(canResolve(theirs, as("annotator"))).toBe(false);
    expect(moderatorActions(theirs, as("owner"))).toEqual(["hide"]);
    expect(moderatorActions({ ...theirs, status: "pending" }, as("moderator"))).toEqual(["publish", "hide"]);
    expect(moderatorActions({ ...theirs, status: "hidden" }, as("moderator"))).toEqual(["unhide"]);
    expect(moderatorActions({ ...theirs, source: "private" }, as("moderator"))).toEqual([]);
  });

  it("takes votes and replies only where the group can see them", () => {
    expect(canVote(theirs, as("annotator"))).toBe(true);
    expect(canVote({ ...mine, source: "private" }, as("annotator"))).toBe(false);
    expect(canVote({ ...theirs, status: "hidden" }, as("moderator"))).toBe(false);
    expect(canReply({ ...theirs, status: "rejected" }, as("annotator"))).toBe(false);
  });

  it("hides hidden annotations from everyone but moderators, their author included", () => {
    const hidden = { ...theirs, status: "hidden" as const };
    expect(isVisible(hidden, "annotator")).toBe(false);
    expect(isVisible(hidden, "moderator")).toBe(true);
    expect(isVisible({ ...hidden, authorId: me }, "annotator")).toBe(false);
  });

  it("places new work where the server accepts it", () => {
    expect(placementFor("comment", "annotator", "open", false)).toMatchObject({ room: "group", status: "published" });
    expect(placementFor("factcheck", "annotator", "open", false)).toMatchObject({ room: "group", status: "pending" });
    expect(placementFor("factcheck", "moderator", "open", false)).toMatchObject({ room: "group", status: "published" });
    expect(placementFor("highlight", "annotator", "pre", false)).toMatchObject({ room: "private", status: "pending" });
    expect(placementFor("highlight", "owner", "pre", false)).toMatchObject({ room: "group", status: "published" });
    expect(placementFor("comment", "annotator", "pre", true)).toMatchObject({ room: "private", status: "published" });
    // A review board: every verdict, a moderator's too, is a submission; other work is placed as in any pre-moderated group.
    expect(placementFor("factcheck", "moderator", "pre", false, 2)).toMatchObject({ room: "private", status: "pending" });
    expect(placementFor("factcheck", "owner", "pre", false, 1)).toMatchObject({ room: "group", status: "published" });
    expect(placementFor("comment", "moderator", "pre", false, 2)).toMatchObject({ room: "group", status: "published" });
    expect(replyPlacement("private", "annotator", "pre")).toMatchObject({ room: "private", status: "published" });
    expect(replyPlacement("group", "annotator", "pre")).toMatchObject({ room: "private", status: "pending" });
  });
});
