/** Group settings and roles, apart from the tables that store them (see vocabulary/annotations.ts). */
export const MODERATION_MODES = ["open", "pre"] as const;
export type ModerationMode = (typeof MODERATION_MODES)[number];

/** Ordered from most to least powerful; see `roleAtLeast`. */
export const ROLES = ["owner", "moderator", "annotator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(needed);
}
