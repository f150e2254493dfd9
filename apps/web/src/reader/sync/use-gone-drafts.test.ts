import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client.ts";
import { fateOf } from "./use-gone-drafts.ts";
import { goneDraftNotice } from "./refusal-words.ts";

const refuse = (status: number) => () => Promise.reject(new ApiError(status, "x", "refused"));
const answer = () => Promise.resolve({});

describe("what became of a draft's annotation the page no longer holds", () => {
  it("tells lost access apart from a deletion or a hide", async () => {
    // Not found, and the article not ours to read either: removed from the group.
    expect(await fateOf("a", "art", () => false, { annotation: refuse(404), article: refuse(404) })).toBe("access");
    expect(await fateOf("a", "art", () => false, { annotation: refuse(404), article: refuse(403) })).toBe("access");
    // Not found while the article still is: deleted, or hidden from us.
    expect(await fateOf("a", "art", () => false, { annotation: refuse(404), article: answer })).toBe("gone");
    expect(await fateOf("a", "art", () => false, { annotation: refuse(410), article: refuse(404) })).toBe("gone");
    // The server could not say: kept, to ask again.
    expect(await fateOf("a", "art", () => false, { annotation: refuse(404), article: refuse(503) })).toBe("unknown");
    expect(await fateOf("a", "art", () => false, { annotation: refuse(500), article: answer })).toBe("unknown");
  });

  it("says why the draft was not sent", () => {
    expect(goneDraftNotice("reply", "access")).toBe("Your reply was not sent: you no longer have access to this article. What you wrote is below.");
    expect(goneDraftNotice("reply")).toBe("Your reply was not sent: the annotation you were replying to was deleted, or hidden by a moderator. What you wrote is below.");
  });
});
