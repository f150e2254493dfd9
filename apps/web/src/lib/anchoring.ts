/**
 * Code points ↔ UTF-16, W3C targets and re-anchoring come from the shared
 * schema package (packages/schema/src/anchoring), so that the browser and the
 * server count and place quotes the same way. The app imports them from here.
 */
export { CodePointIndex, buildTarget, quoteIsAt, resolveTarget } from "@marginalia/schema";
