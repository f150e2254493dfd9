import { describe, expect, it } from "vitest";
import { ANNO_PROFILE, LD_JSON, servedType } from "./media.ts";

const JSON_TYPE = "application/json";

describe("servedType", () => {
  it("answers JSON-LD to a missing Accept, wildcards and JSON-LD, with or without a profile", () => {
    for (const accept of [
      undefined,
      "",
      "*/*",
      "application/*",
      "application/ld+json",
      `application/ld+json; profile="${ANNO_PROFILE}"`,
      'application/ld+json;profile="http://www.w3.org/ns/activitystreams, elsewhere"',
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      // Axios's default: JSON named, JSON-LD reached by the wildcard at the same weight.
      "application/json, text/plain, */*",
      // JSON named and JSON-LD not: any JSON client reads it, under the label the protocol's clients expect.
      "APPLICATION/JSON",
      "text/turtle, application/json;q=0.1",
      // Not a media range RFC 9110 knows: unreadable, so it accepts anything.
      "*/json",
      "*/ld+json;q=0.5",
    ]) {
      expect(servedType(accept), String(accept)).toBe(LD_JSON);
    }
  });

  it("answers application/json, not the label refused, to a client that refuses JSON-LD or weighs JSON higher", () => {
    for (const accept of [
      "application/ld+json;q=0, */*",
      "application/ld+json;q=0, application/*",
      "application/*;q=0, application/json",
      "application/json, application/ld+json;q=0.5",
    ]) {
      expect(servedType(accept), accept).toBe(JSON_TYPE);
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
      "application/*;q=0, */*",
      'text/turtle;profile="application/ld+json, application/json"',
    ]) {
      expect(servedType(accept), accept).toBeNull();
    }
  });
});
