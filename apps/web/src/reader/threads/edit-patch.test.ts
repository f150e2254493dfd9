import type { Factcheck } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { draftFrom, validateDraft } from "../factcheck/factcheck-draft.ts";
import { changedFields, conflicts, describeValue, editPatch } from "./edit-patch.ts";

const check: Factcheck = { claim: "Iran sold drones to Russia.", verdict: "false", confidence: 0.6, sources: [{ url: "https://example.org/a", title: "Report" }] };
const opened = { body: "Teh evidence is thin.", factcheck: check };

/** What the form saves: the patch for the fields changed from `opened`, laid over `current`. */
function save(current: typeof opened, body: string, draft: ReturnType<typeof draftFrom>) {
  const changed = changedFields(opened, body, draft);
  const checked = validateDraft(draft);
  if (!checked.ok) throw new Error(checked.error);
  return { patch: editPatch(current, body, checked.value, changed), clashes: conflicts(opened, current, changed) };
}

describe("the edit form's update", () => {
  it("writes only the fields changed in the form, keeping what someone else changed meanwhile", () => {
    const elsewhere = { ...opened, factcheck: { ...check, verdict: "true" as const } };
    const { patch, clashes } = save(elsewhere, "The evidence is thin.", draftFrom(check));
    expect(patch).toEqual({ body: "The evidence is thin." });
    expect(clashes).toEqual([]);
  });

  it("lays a changed fact-check field over the fact-check as it is now", () => {
    const elsewhere = { ...opened, factcheck: { ...check, verdict: "true" as const } };
    const { patch, clashes } = save(elsewhere, opened.body, { ...draftFrom(check), claim: "Iran sold drones to Moscow." });
    expect(patch).toEqual({ factcheck: { ...check, verdict: "true", claim: "Iran sold drones to Moscow." } });
    expect(clashes).toEqual([]);
  });

  it("writes nothing when nothing changed, whitespace and blank source rows aside", () => {
    const draft = draftFrom(check);
    const { patch } = save(opened, `${opened.body}  `, { ...draft, claim: ` ${draft.claim}`, sources: [...draft.sources, { url: "", title: "" }] });
    expect(patch).toEqual({});
  });

  it("names a field both the user and someone else changed, with its value now", () => {
    const elsewhere = { ...opened, factcheck: { ...check, verdict: "true" as const } };
    const { patch, clashes } = save(elsewhere, opened.body, { ...draftFrom(check), verdict: "misleading" });
    expect(clashes).toEqual(["verdict"]);
    expect(describeValue(elsewhere, "verdict")).toBe("True");
    expect(patch.factcheck?.verdict).toBe("misleading");
  });

  it("drops the confidence when the user clears it, and keeps another's when the user did not touch it", () => {
    const elsewhere = { ...opened, factcheck: { ...check, confidence: 0.9 } };
    expect(save(elsewhere, opened.body, { ...draftFrom(check), claim: "Changed." }).patch.factcheck?.confidence).toBe(0.9);
    expect(save(opened, opened.body, { ...draftFrom(check), confidence: null }).patch.factcheck).not.toHaveProperty("confidence");
  });
});
