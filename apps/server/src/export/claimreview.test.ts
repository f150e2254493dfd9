import { VERDICTS } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { VERDICT_RATINGS, bylineName, toClaimReviews } from "./claimreview.ts";
import { exportData, factcheck, view } from "./testing.ts";

const BASE = "https://marginalia.example";
const graphOf = (value: object) => (value as { "@graph": Record<string, any>[] })["@graph"];

describe("toClaimReviews", () => {
  it("maps every verdict to a rating, numeric ones on 1–5 and ordered from false to true", () => {
    expect(Object.keys(VERDICT_RATINGS).sort()).toEqual([...VERDICTS].sort());
    const numeric = ["false", "mostly-false", "mixed", "mostly-true", "true"] as const;
    const values = numeric.map((v) => VERDICT_RATINGS[v].value!);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(VERDICT_RATINGS.misleading.value).toBe(2);
    for (const verdict of VERDICTS) {
      const [review] = graphOf(toClaimReviews(exportData([factcheck(verdict)]), BASE));
      expect(review!.reviewRating.alternateName).toBe(VERDICT_RATINGS[verdict].label);
    }
  });

  it("gives unverifiable a textual rating only", () => {
    const [review] = graphOf(toClaimReviews(exportData([factcheck("unverifiable")]), BASE));
    expect(review!.reviewRating).toEqual({ "@type": "Rating", alternateName: "Unverifiable" });
  });

  it("keeps only published fact-checks of the group document", () => {
    const annotations = [
      factcheck("false", { id: "pub" }),
      factcheck("false", { id: "draft", status: "draft" }),
      factcheck("false", { id: "pending", status: "pending" }),
      factcheck("false", { id: "hidden", status: "hidden" }),
      factcheck("false", { id: "mine", visibility: "private" }),
      view({ id: "comment", body: "not a review" }),
    ];
    expect(graphOf(toClaimReviews(exportData(annotations), BASE)).map((r) => r.url)).toEqual([
      `${BASE}/articles/art-1#annotation-pub`,
    ]);
  });

  it("describes the article, the desk and the sources", () => {
    const annotation = factcheck("mostly-true", {
      body: "Mostly right.",
      updatedAt: new Date("2024-06-01T23:30:00Z"),
      factcheck: {
        claim: "  The claim  ",
        verdict: "mostly-true",
        confidence: 0.9,
        sources: [{ url: "https://s.example/1", title: "" }],
      },
    });
    const data = exportData([annotation], {
      byline: "By Jane Doe",
      sourceUrl: "https://news.example/story",
      publishedAt: new Date("2024-01-02T00:00:00Z"),
    });
    const [review] = graphOf(toClaimReviews(data, BASE));
    expect(review).toEqual({
      "@type": "ClaimReview",
      url: `${BASE}/articles/art-1#annotation-a1`,
      claimReviewed: "The claim",
      reviewRating: { "@type": "Rating", ratingValue: 4, bestRating: 5, worstRating: 1, alternateName: "Mostly true" },
      itemReviewed: {
        "@type": "Claim",
        appearance: {
          "@type": "Article",
          url: "https://news.example/story",
          headline: "An article",
          author: { "@type": "Person", name: "Jane Doe" },
          datePublished: "2024-01-02",
        },
      },
      author: { "@type": "Organization", name: "Desk", url: `${BASE}/groups/grp-1` },
      datePublished: "2024-06-01",
      reviewBody: "Mostly right.",
      citation: [{ "@type": "CreativeWork", url: "https://s.example/1" }],
    });
  });

  it("falls back to the Marginalia URL and leaves out what is not known", () => {
    const [review] = graphOf(toClaimReviews(exportData([factcheck("false")]), BASE));
    expect(review!.itemReviewed.appearance).toEqual({ "@type": "Article", url: `${BASE}/articles/art-1`, headline: "An article" });
    expect(review).not.toHaveProperty("reviewBody");
    expect(review).not.toHaveProperty("citation");
  });

  it("reads a name out of a byline", () => {
    expect(bylineName("By Hamid Bahrami")).toBe("Hamid Bahrami");
    expect(bylineName("Hamid Bahrami")).toBe("Hamid Bahrami");
    expect(bylineName("by ")).toBe("by");
  });
});
