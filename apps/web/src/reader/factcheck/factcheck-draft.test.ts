import { describe, expect, it } from "vitest";
import { draftFrom, draftTouched, emptyDraft, validateDraft } from "./factcheck-draft.ts";

describe("fact-check form", () => {
  it("prefills the claim with the quote and asks for a verdict", () => {
    const draft = emptyDraft("Iran sold drones to Russia.");
    expect(draft.claim).toBe("Iran sold drones to Russia.");
    expect(validateDraft(draft)).toEqual({ ok: false, error: "Choose a verdict.", field: "verdict" });
  });

  it("produces the stored fact-check: trimmed claim, confidence 0–1, http(s) sources only, blank rows dropped", () => {
    const result = validateDraft({
      claim: "  Iran sold drones.  ",
      verdict: "mostly-true",
      confidence: 80,
      sources: [{ url: "https://example.org/a", title: " Report " }, { url: "", title: "" }],
    });
    expect(result).toEqual({
      ok: true,
      value: { claim: "Iran sold drones.", verdict: "mostly-true", confidence: 0.8, sources: [{ url: "https://example.org/a", title: "Report" }] },
    });
  });

  it("refuses javascript: and other non-web sources", () => {
    for (const url of ["javascript:alert(1)", "data:text/html,x", "example.org"]) {
      const result = validateDraft({ claim: "c", verdict: "false", confidence: null, sources: [{ url, title: "t" }] });
      expect(result.ok).toBe(false);
    }
  });

  it("leaves confidence out when not stated, and round-trips a stored fact-check", () => {
    const stored = { claim: "c", verdict: "mixed" as const, confidence: 0.35, sources: [{ url: "https://x.org/", title: "" }] };
    const again = validateDraft(draftFrom(stored));
    expect(again).toEqual({ ok: true, value: stored });
    const noConfidence = validateDraft({ ...draftFrom(stored), confidence: null });
    expect(noConfidence.ok && "confidence" in noConfidence.value).toBe(false);
  });

  it("tells a form someone wrote in from one as it opened, which may close without asking", () => {
    const quote = "Iran sold drones to Russia.";
    const opened = emptyDraft(quote);
    expect(draftTouched(opened, quote)).toBe(false);
    expect(draftTouched({ ...opened, sources: [...opened.sources, { url: " ", title: "" }] }, quote)).toBe(false);
    expect(draftTouched({ ...opened, claim: "Iran sold drones." }, quote)).toBe(true);
    expect(draftTouched({ ...opened, verdict: "false" }, quote)).toBe(true);
    expect(draftTouched({ ...opened, confidence: 40 }, quote)).toBe(true);
    expect(draftTouched({ ...opened, sources: [{ url: "", title: "Reuters" }] }, quote)).toBe(true);
  });
});
