export * from "./annotations.ts";
export * from "./assignments.ts";
export * from "./layout.ts";
export * from "./messages.ts";
export * from "./rooms.ts";
export * from "./judged.ts";
export * from "./items.ts";
