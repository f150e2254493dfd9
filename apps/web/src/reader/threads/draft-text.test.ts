import { describe, expect, it } from "vitest";
import { draftSubject, draftText } from "./draft-text.ts";

const opened = { body: "Both are sanctioned.", factcheck: { claim: "Both are under sanctions", verdict: "true" as const, sources: [{ url: "https://example.org/a", title: "" }] } };
const asForm = { claim: "Both are under sanctions", verdict: "true" as const, confidence: null, sources: [{ url: "https://example.org/a", title: "" }] };

describe("what a kept draft holds", () => {
  it("names the annotation a reply, an answer and an edit are for, and none for a new comment", () => {
    expect(draftSubject("reply:abc")).toEqual({ form: "reply", id: "abc" });
    expect(draftSubject("answer:abc")).toEqual({ form: "answer", id: "abc" });
    expect(draftSubject("edit:r1")).toEqual({ form: "edit", id: "r1" });
    expect(draftSubject("new")).toBeNull();
  });

  it("gives the words written, and nothing for a form opened and left untouched", () => {
    expect(draftText("reply:t", "Half a reply")).toBe("Half a reply");
    expect(draftText("edit:c", { opened, body: opened.body, draft: asForm })).toBe("");
    expect(draftText("edit:c", { opened, body: "Both are sanctioned, since 2022.", draft: asForm })).toBe(
      "Claim: Both are under sanctions\nVerdict: True\nSource: https://example.org/a\nBoth are sanctioned, since 2022.",
    );
    expect(draftText("edit:c", { opened, body: opened.body, draft: { ...asForm, verdict: "false" } })).toContain("Verdict: False");
    const blank = { claim: "Trade tripled.", verdict: "" as const, confidence: null, sources: [{ url: "", title: "" }] };
    expect(draftText("answer:t", { draft: blank, comment: "" })).toBe("");
    expect(draftText("answer:t", { draft: blank, comment: "Customs data says otherwise." })).toBe("Claim: Trade tripled.\nCustoms data says otherwise.");
    expect(draftText("new", { mode: "comment", body: "Which sanctions?", draft: blank })).toBe("Which sanctions?");
  });
});
