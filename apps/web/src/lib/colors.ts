/**
 * The colour the server gives a user in presence (apps/server/src/sync/presence/awareness.ts),
 * computed the same way so that avatars in threads match the live cursors.
 */
export function colorForUser(userId: string): string {
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 65% 42%)`;
}

// hsl()/rgb()/hex only: the value ends up inside a stylesheet rule.
const SAFE_COLOR = /^(#[0-9a-f]{3,8}|(hsl|rgb)a?\(\s*[\d.]+(deg)?[\s,]+[\d.]+%?[\s,]+[\d.]+%?(\s*[,/]\s*[\d.]+%?)?\s*\))$/i;

/** A colour that is safe to interpolate into CSS, or a neutral fallback. */
export function safeColor(value: unknown, fallback = "#6b7280"): string {
  return typeof value === "string" && SAFE_COLOR.test(value.trim()) ? value.trim() : fallback;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts.at(-1)!] : parts.slice(0, 1);
  return letters.map((p) => [...p][0]!.toUpperCase()).join("") || "?";
}

const INK = "#1c2430";

/** The ink for text on a user's colour: white or the page's ink, whichever contrasts more. */
export function inkOn(background: string): "#ffffff" | typeof INK {
  return contrastRatio(background, INK) > contrastRatio(background, "#ffffff") ? INK : "#ffffff";
}

/**
 * A user's colour as a badge for text: the colour itself with whichever ink reads on it, or, for the few
 * mid-tones where neither reaches WCAG AA's 4.5:1, the colour darkened just enough for white.
 */
export function badgeColors(color: string): { background: string; ink: string } {
  const ink = inkOn(color);
  const rgb = toRgb(color);
  if (contrastRatio(color, ink) >= 4.5 || !rgb) return { background: color, ink };
  let channels = rgb;
  let background = color;
  for (let i = 0; i < 20 && contrastRatio(background, "#ffffff") < 4.5; i++) {
    channels = channels.map((c) => c * 0.95);
    background = `rgb(${channels.map((c) => Math.round(c)).join(" ")})`;
  }
  return { background, ink: "#ffffff" };
}

/** WCAG's contrast ratio of two colours (1 to 21); 1 when either is not a colour we read. */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [toRgb(a), toRgb(b)];
  if (!x || !y) return 1;
  const [high, low] = [luminance(x), luminance(y)].sort((m, n) => n - m);
  return (high! + 0.05) / (low! + 0.05);
}

function luminance([r, g, b]: readonly number[]): number {
  const linear = (c: number) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
  return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
}

/** Channels 0–255 of the colour shapes safeColor lets through (hex, rgb(), hsl()); null for anything else. */
function toRgb(color: string): number[] | null {
  const hex = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(color)?.[1];
  if (hex) return (hex.length === 3 ? [...hex].map((c) => c + c) : hex.match(/../g)!).map((c) => Number.parseInt(c, 16));
  const nums = color.match(/[\d.]+/g)?.map(Number);
  if (!nums || nums.length < 3) return null;
  if (/^rgb/i.test(color)) return nums.slice(0, 3);
  if (!/^hsl/i.test(color)) return null;
  const [h, s, l] = [nums[0]!, nums[1]! / 100, nums[2]! / 100];
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return 255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1)));
  };
  return [f(0), f(8), f(4)];
}
