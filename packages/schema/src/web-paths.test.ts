import { describe, expect, it } from "vitest";
import { annotationInHash, annotationPath } from "./web-paths.ts";

const ID = "0d9023b8-a868-4568-9b7e-a3d49dd77a5f";

describe("annotationInHash", () => {
  it("reads back what annotationPath writes", () => {
    const path = annotationPath("3b1c8c1e-0000-4000-8000-000000000000", ID);
    expect(annotationInHash(path.slice(path.indexOf("#")))).toBe(ID);
    expect(annotationInHash(`#annotation=${encodeURIComponent("a b&c")}`)).toBe("a b&c");
  });

  it("reads the form earlier exports linked with", () => {
    expect(annotationInHash(`#annotation-${ID}`)).toBe(ID);
    expect(annotationInHash(`#annotation-${encodeURIComponent("a b")}`)).toBe("a b");
  });

  it("names nothing for any other fragment", () => {
    for (const hash of ["", "#", "#annotation=", "#annotation-", "#annotation-%E0%A4%A", "#comments", "#:~:text=annotation"]) {
      expect(annotationInHash(hash), hash).toBeNull();
    }
  });
});
