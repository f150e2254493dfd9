/**
 * The colour the server gives a user in presence (apps/server/src/sync/awareness.ts),
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
