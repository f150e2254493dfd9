import { describe, expect, it } from "vitest";
import { renderExport } from "./render.ts";
import { exportData, factcheck } from "./testing.ts";

describe("JSON-LD exports", () => {
  // What a member may write in a claim, and a publisher pastes into <script type="application/ld+json">.
  const claim = "</script><script>alert(1)</script> & <!-- \u2028\u2029";

  it.each(["claimreview", "w3c"] as const)("write %s so that no text in it can end a script element", (format) => {
    const text = renderExport(format, exportData([factcheck("false", { body: claim, factcheck: { claim, verdict: "false", confidence: null, sources: [] } })]), "https://marginalia.example");
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    // The same JSON to a parser: the claim reads back as written.
    expect(JSON.stringify(JSON.parse(text))).toContain(JSON.stringify(claim).slice(1, -1));
  });
});
