import { describe, expect, it } from "vitest";
import { badgeColors, contrastRatio, inkOn } from "./colors.ts";

describe("inkOn", () => {
  it("puts white on dark colours and the page's ink on light ones", () => {
    expect(inkOn("#1f5fbf")).toBe("#ffffff");
    expect(inkOn("hsl(240 65% 42%)")).toBe("#ffffff");
    expect(inkOn("#f5c400")).toBe("#1c2430");
    expect(inkOn("hsl(60 65% 42%)")).toBe("#1c2430");
    expect(inkOn("rgb(37 177 126)")).toBe("#1c2430");
  });
  it("makes a badge of every user's colour with at least 4.5:1 contrast, changing as few colours as it can", () => {
    // Hues step through the whole circle: colorForUser's hue is a hash modulo 360.
    let changed = 0;
    for (let hue = 0; hue < 360; hue++) {
      const color = `hsl(${hue} 65% 42%)`;
      const { background, ink } = badgeColors(color);
      expect(contrastRatio(background, ink), color).toBeGreaterThanOrEqual(4.5);
      if (contrastRatio(color, inkOn(color)) >= 4.5) expect(background).toBe(color);
      else changed++;
    }
    expect(changed).toBeLessThan(60);
    expect(contrastRatio("#ffffff", "#000000")).toBeCloseTo(21);
  });
});
