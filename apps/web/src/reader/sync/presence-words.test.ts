import { describe, expect, it } from "vitest";
import { describePresence } from "./presence-words.ts";

const came = (userId: string, name = userId) => ({ userId, name, here: true });
const went = (userId: string, name = userId) => ({ userId, name, here: false });

describe("describePresence", () => {
  it("tells one arrival or departure", () => {
    expect(describePresence([came("u1", "Bo")])).toBe("Bo opened this article.");
    expect(describePresence([went("u1", "Bo")])).toBe("Bo left this article.");
  });

  it("lists several in one sentence", () => {
    expect(describePresence([came("a", "Ada"), came("b", "Bo"), came("c", "Cy"), went("d", "Di")])).toBe(
      "Ada, Bo and Cy opened this article; Di left it.",
    );
    expect(describePresence([went("a", "Ada"), went("b", "Bo")])).toBe("Ada and Bo left this article.");
  });

  it("leaves out a reader who ended where they began, and keeps one who did not", () => {
    expect(describePresence([went("a", "Ada"), came("a", "Ada")])).toBe("");
    expect(describePresence([came("a", "Ada"), went("a", "Ada"), came("b", "Bo")])).toBe("Bo opened this article.");
    expect(describePresence([came("a", "Ada"), went("a", "Ada"), came("a", "Ada")])).toBe("Ada opened this article.");
  });
});
