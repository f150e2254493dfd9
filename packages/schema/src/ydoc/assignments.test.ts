import { describe, expect, it } from "vitest";
import { type AnswerCandidate, assignmentProgress, citesSource } from "./assignments.ts";

const claim = { id: "claim", authorId: "author", assignees: ["ana", "ben"], factcheck: null, createdAt: 100 };

const reply = (authorId: string, extra: Partial<AnswerCandidate> = {}): AnswerCandidate => ({
  authorId,
  parentId: "claim",
  status: "published",
  body: "",
  factcheck: null,
  createdAt: 200,
  ...extra,
});
const verdict = { verdict: "false", sources: [] };

describe("assignmentProgress", () => {
  it("is done only once every assignee has answered", () => {
    const one = assignmentProgress(claim, [reply("ana", { factcheck: verdict })]);
    expect(one).toMatchObject({ answered: 1, done: false });
    expect(one.assignees).toEqual([
      { userId: "ana", answeredAt: 200 },
      { userId: "ben", answeredAt: null },
    ]);
    const both = assignmentProgress(claim, [reply("ana", { factcheck: verdict }), reply("ben", { body: "See https://example.org/report" })]);
    expect(both).toMatchObject({ answered: 2, done: true });
  });

  it("does not count a comment without a verdict or a link", () => {
    expect(assignmentProgress(claim, [reply("ana", { body: "I looked into it, seems off" })]).answered).toBe(0);
  });

  it("counts only published direct replies by the assignee", () => {
    const progress = assignmentProgress(claim, [
      reply("ana", { factcheck: verdict, status: "pending" }),
      reply("ana", { factcheck: verdict, status: "hidden" }),
      reply("ana", { factcheck: verdict, parentId: "other" }),
      reply("carl", { factcheck: verdict }),
    ]);
    expect(progress.answered).toBe(0);
  });

  it("keeps the first answer's time", () => {
    const progress = assignmentProgress(claim, [reply("ana", { factcheck: verdict, createdAt: 500 }), reply("ana", { body: "https://a.example", createdAt: 300 })]);
    expect(progress.assignees[0]).toEqual({ userId: "ana", answeredAt: 300 });
  });

  it("counts a fact-check's own verdict for its author, and nobody else's", () => {
    const factcheck = { ...claim, assignees: ["author", "ana"], factcheck: { verdict: "mixed" } };
    expect(assignmentProgress(factcheck, []).assignees).toEqual([
      { userId: "author", answeredAt: 100 },
      { userId: "ana", answeredAt: null },
    ]);
    expect(assignmentProgress({ ...factcheck, factcheck: null }, []).answered).toBe(0);
  });

  it("is never done without assignees", () => {
    expect(assignmentProgress({ ...claim, assignees: [] }, [reply("ana", { factcheck: verdict })])).toEqual({ assignees: [], answered: 0, done: false });
  });
});

describe("citesSource", () => {
  it.each([
    ["https://example.org/a", true],
    ["source: http://gov.example/x?y=1.", true],
    ["https://", false],
    ["ftp://example.org", false],
    ["example.org", false],
  ])("%s → %s", (body, expected) => expect(citesSource(body)).toBe(expected));
});
