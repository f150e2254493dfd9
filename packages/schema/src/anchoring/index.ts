export * from "./code-points.ts";
export * from "./selectors.ts";
export * from "./resolve.ts";
export * from "./passage.ts";
