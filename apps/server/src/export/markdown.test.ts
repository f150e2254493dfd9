import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import { toMarkdown } from "./markdown.ts";
import { exportData, factcheck, view } from "./testing.ts";

const BASE = "https://marginalia.example";
const at = (minute: number) => new Date(Date.UTC(2024, 2, 5, 10, minute));

describe("toMarkdown", () => {
  const annotations = [
    factcheck("false", { id: "draft", status: "draft", factcheck: { claim: "Draft claim", verdict: "false", confidence: null, sources: [] } }),
    factcheck("mostly-true", {
      id: "pub",
      body: "Checked against the ministry's figures.",
      factcheck: { claim: "Published claim", verdict: "mostly-true", confidence: 0.75, sources: [{ url: "https://s.example/r", title: "Ministry report" }] },
    }),
    view({ id: "r2", parentId: "r1", body: "A reply to the reply", author: { id: "u3", name: "Cy" }, createdAt: at(30) }),
    view({ id: "r1", parentId: "pub", body: "A first reply", author: { id: "u2", name: "Bo" }, createdAt: at(25) }),
    view({ id: "orphan", parentId: "gone", body: "Reply to something not shown" }),
    view({ id: "hl", kind: "highlight", target: { revision: 1, exact: "x".repeat(300), prefix: "", suffix: "", start: 0, end: 300 } }),
  ];
  const md = toMarkdown(exportData(annotations, { byline: "By Jane Doe", sourceUrl: "https://news.example/story" }), BASE);

  it("opens with the article and a summary by verdict", () => {
    expect(md).toMatch(/^# Fact-check report: An article\n\nBy Jane Doe {2}\nSource: \[https:\/\/news\.example\/story\]\(https:\/\/news\.example\/story\)/);
    expect(md).toContain("Exported: 2024-03-05");
    expect(md).toContain("| Mostly true | 1 | 1 |\n| False | 1 | 0 |\n| **Total** | 2 | 1 |");
  });

  it("puts published fact-checks first and marks the others", () => {
    expect(md.indexOf("### Published claim")).toBeGreaterThan(0);
    expect(md.indexOf("### Published claim")).toBeLessThan(md.indexOf("### Draft claim"));
    expect(md).toContain("### Draft claim\n\n**Verdict:** False · **Status:** draft");
    expect(md).toContain("**Verdict:** Mostly true · **Confidence:** 75%  \n");
    expect(md).toContain("- [Ministry report](https://s.example/r)");
  });

  it("links each fact-check to the reader in the form the reader opens", () => {
    expect(md).toContain(`[open in Marginalia](${BASE}/articles/art-1#annotation=pub)`);
    expect(md).not.toContain("#annotation-");
  });

  it("threads replies under their fact-check in the order they were written", () => {
    const section = md.slice(md.indexOf("### Published claim"), md.indexOf("### Draft claim"));
    expect(section).toContain("Discussion:\n\n- **Bo**, 2024-03-05 10:25 UTC:\n  A first reply\n- **Cy**, 2024-03-05 10:30 UTC:\n  A reply to the reply");
    expect(md).toMatch(/- \*\*Reply\*\* by Ada, 2024-03-05 on “the quoted passage”:\n {2}Reply to something not shown/);
  });

  it("keeps highlights brief and the whole report well formed", () => {
    expect(md).toMatch(/- \*\*Highlight\*\* by Ada, 2024-03-05 on “x{119}…”/);
    const html = new MarkdownIt().render(md);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html.match(/<h3>/g)).toHaveLength(2);
    expect(html).toContain("<table>");
  });

  it("marks what a correction left orphaned, and lists it after what is placed", () => {
    const lost = { anchor: { state: "orphaned" as const, score: 0 } };
    const report = toMarkdown(
      exportData([
        view({ id: "gone", body: "On a deleted sentence", target: { revision: 1, exact: "a deleted sentence", prefix: "", suffix: "", start: 0, end: 18 }, ...lost }),
        view({ id: "here", body: "On a kept one" }),
        factcheck("false", { id: "fc-gone", ...lost, factcheck: { claim: "Lost claim", verdict: "false", confidence: null, sources: [] } }),
        factcheck("true", { id: "fc-here", factcheck: { claim: "Kept claim", verdict: "true", confidence: null, sources: [] } }),
      ]),
      BASE,
    );
    expect(report).toContain("- **Comment** by Ada, 2024-03-05 (passage no longer in the article) on “a deleted sentence”:");
    expect(report).toMatch(/- \*\*Comment\*\* by Ada, 2024-03-05 on “the quoted passage”:\n {2}On a kept one/);
    expect(report.indexOf("On a kept one")).toBeLessThan(report.indexOf("On a deleted sentence"));
    expect(report).toContain("### Lost claim\n\n**Verdict:** False · **Status:** passage no longer in the article");
    expect(report).toContain("### Kept claim\n\n**Verdict:** True  \n");
    expect(report.indexOf("### Kept claim")).toBeLessThan(report.indexOf("### Lost claim"));
  });

  it("reports a whole group article by article", () => {
    const data = exportData([view({ body: "On the first" })]);
    data.scope = "group";
    data.articles.push({ ...data.articles[0]!, id: "art-2", title: "Second", annotations: [] });
    const group = toMarkdown(data, BASE);
    expect(group).toMatch(/^# Fact-check report: Desk\n\nExported 2024-03-05 from \[Marginalia\]\(https:\/\/marginalia\.example\/groups\/grp-1\); 2 articles\./);
    expect(group).toContain("## An article\n");
    expect(group).toContain("## Second\n");
    expect(group).toContain("### Summary\n\nNo fact-checks yet.");
  });
});
