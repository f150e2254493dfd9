import { describe, expect, it } from "vitest";
import { textDirection } from "./direction.ts";

describe("textDirection", () => {
  it("finds Persian and Arabic right-to-left, with marks, digits and Latin names among them", () => {
    expect(textDirection("گزارش تازه‌ای از تهران منتشر شد.")).toBe("rtl");
    expect(textDirection("Reuters: خبرگزاری‌ها گزارش دادند که قیمت‌ها در سال ۱۴۰۲ دو برابر شد.")).toBe("rtl");
    expect(textDirection("قالَ الرَّجُلُ إِنَّهُ سَيَعُودُ")).toBe("rtl");
  });
  it("leaves English, and text with no letters, left-to-right", () => {
    expect(textDirection("How to counter Russia-Iran deepening ties?")).toBe("ltr");
    expect(textDirection("An English article quoting «تهران» once.")).toBe("ltr");
    expect(textDirection("1234 — 5678")).toBe("ltr");
  });
});
