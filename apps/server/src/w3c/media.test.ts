import { describe, expect, it } from "vitest";
import { ANNO_PROFILE, acceptsLd } from "./media.ts";

describe("acceptsLd", () => {
  it("takes a missing Accept, wildcards and either JSON type, with or without a profile", () => {
    for (const accept of [
      undefined,
      "",
      "*/*",
      "application/*",
      "application/ld+json",
      `application/ld+json; profile="${ANNO_PROFILE}"`,
      'application/ld+json;profile="http://www.w3.org/ns/activitystreams, elsewhere"',
      "APPLICATION/JSON",
      "text/turtle, application/json;q=0.1",
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      // Not a media range RFC 9110 knows: unreadable, so it accepts anything.
      "*/json",
      "*/ld+json;q=0.5",
    ]) {
      expect(acceptsLd(accept), String(accept)).toBe(true);
    }
  });

  it("refuses a header naming only what we do not produce, or refusing ours with q=0", () => {
    for (const accept of [
      "text/turtle",
      "text/html, application/xml",
      "application/n-quads;q=1, text/*",
      "application/ld+json;q=0",
      "application/ld+json;q=0, application/json;q=0, */*",
      "*/*;q=0",
      "application/*;q=0, text/turtle",
      'text/turtle;profile="application/ld+json, application/json"',
    ]) {
      expect(acceptsLd(accept), accept).toBe(false);
    }
  });

  it("lets the most specific range decide", () => {
    expect(acceptsLd("application/ld+json;q=0, */*")).toBe(true);
    expect(acceptsLd("application/*;q=0, application/json")).toBe(true);
    expect(acceptsLd("application/*;q=0, */*")).toBe(false);
  });
});
