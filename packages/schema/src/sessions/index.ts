export * from "./counted.ts";
export * from "./participation.ts";
export * from "./presence.ts";
export * from "./ranges.ts";
export * from "./summary.ts";
export * from "./timeline.ts";
