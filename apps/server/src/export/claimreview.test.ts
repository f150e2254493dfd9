import { VERDICTS, VERDICT_SCALE } from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { claimReviewExportProblems, claimReviewProblems } from "./claimreview-check.ts";
import { bylineName, toClaimReviews, withTextFragment } from "./claimreview.ts";
import { exportData, factcheck, view } from "./testing.ts";

const BASE = "https://marginalia.example";
const graphOf = (value: object) => (value as { "@graph": Record<string, any>[] })["@graph"];

describe("toClaimReviews", () => {
  it("maps every verdict to a rating, numeric ones on 1–5 and ordered from false to true", () => {
    expect(Object.keys(VERDICT_SCALE).sort()).toEqual([...VERDICTS].sort());
    const numeric = ["false", "mostly-false", "mixed", "mostly-true", "true"] as const;
    const values = numeric.map((v) => VERDICT_SCALE[v].rating!);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(VERDICT_SCALE.misleading.rating).toBe(2);
  });

  // The table in docs/claimreview.md, as consumers receive it.
  it.each([
    ["true", 5, "True"],
    ["mostly-true", 4, "Mostly true"],
    ["mixed", 3, "Mixed"],
    ["misleading", 2, "Misleading"],
    ["mostly-false", 2, "Mostly false"],
    ["false", 1, "False"],
  ] as const)("rates %s as %i of 1–5, %s, in a review consumers accept", (verdict, ratingValue, alternateName) => {
    const doc = toClaimReviews(exportData([factcheck(verdict)]), BASE);
    expect(claimReviewExportProblems(doc)).toEqual([]);
    expect(graphOf(doc)[0]!.reviewRating).toEqual({ "@type": "Rating", ratingValue, bestRating: 5, worstRating: 1, alternateName });
  });

  it("gives unverifiable a textual rating only, which consumers accept", () => {
    const doc = toClaimReviews(exportData([factcheck("unverifiable")]), BASE);
    expect(claimReviewExportProblems(doc)).toEqual([]);
    expect(graphOf(doc)[0]!.reviewRating).toEqual({ "@type": "Rating", alternateName: "Unverifiable" });
  });

  it("has a checker that refuses what consumers refuse", () => {
    const [good] = graphOf(toClaimReviews(exportData([factcheck("false")]), BASE));
    expect(claimReviewProblems(good)).toEqual([]);
    const broken = (change: Record<string, unknown>) => claimReviewProblems({ ...good, ...change });
    expect(broken({ claimReviewed: "" })).toEqual([expect.stringContaining("claimReviewed")]);
    expect(broken({ url: "/relative" })).toEqual([expect.stringContaining("url")]);
    expect(broken({ reviewRating: { "@type": "Rating", ratingValue: 1, bestRating: 5, worstRating: 0, alternateName: "False" } })).toEqual([expect.stringContaining("worstRating")]);
    expect(broken({ reviewRating: { "@type": "Rating", ratingValue: 4 } })).toHaveLength(2);
    expect(broken({ author: { "@type": "Organization" } })).toEqual([expect.stringContaining("author.name")]);
    expect(broken({ itemReviewed: { "@type": "CreativeWork" } })).toEqual([expect.stringContaining("Claim")]);
  });

  it("points the appearance at the quoted words with a text fragment", () => {
    expect(withTextFragment("https://news.example/story#top", "Tehran, Moscow & the West - again")).toBe(
      "https://news.example/story#:~:text=Tehran%2C%20Moscow%20%26%20the%20West%20%2D%20again",
    );
    const long = "one two three four five six seven eight nine ten eleven twelve thirteen";
    expect(withTextFragment("https://n.example/", long)).toBe("https://n.example/#:~:text=one%20two%20three%20four%20five%20six,eight%20nine%20ten%20eleven%20twelve%20thirteen");
    expect(withTextFragment("https://n.example/", "  ")).toBe("https://n.example/");
  });

  it("keeps only published fact-checks of the group document", () => {
    const annotations = [
      factcheck("false", { id: "pub" }),
      factcheck("false", { id: "draft", status: "draft" }),
      factcheck("false", { id: "pending", status: "pending" }),
      factcheck("false", { id: "hidden", status: "hidden" }),
      factcheck("false", { id: "mine", visibility: "private" }),
      view({ id: "comment", body: "not a review" }),
      factcheck("false", { id: "of-nothing", target: null, factcheck: { claim: "   ", verdict: "false", confidence: null, sources: [] } }),
    ];
    expect(graphOf(toClaimReviews(exportData(annotations), BASE)).map((r) => r.url)).toEqual([
      `${BASE}/articles/art-1#annotation=pub`,
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
      url: `${BASE}/articles/art-1#annotation=a1`,
      claimReviewed: "The claim",
      reviewRating: { "@type": "Rating", ratingValue: 4, bestRating: 5, worstRating: 1, alternateName: "Mostly true" },
      itemReviewed: {
        "@type": "Claim",
        author: { "@type": "Person", name: "Jane Doe" },
        datePublished: "2024-01-02",
        appearance: {
          "@type": "Article",
          url: "https://news.example/story#:~:text=the%20quoted%20passage",
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
    expect(review!.itemReviewed.appearance).toEqual({ "@type": "Article", url: `${BASE}/articles/art-1#:~:text=the%20quoted%20passage`, headline: "An article" });
    expect(review).not.toHaveProperty("reviewBody");
    expect(review).not.toHaveProperty("citation");
  });

  it("reads a name out of a byline", () => {
    expect(bylineName("By Hamid Bahrami")).toBe("Hamid Bahrami");
    expect(bylineName("Hamid Bahrami")).toBe("Hamid Bahrami");
    expect(bylineName("by ")).toBe("by");
  });
});
