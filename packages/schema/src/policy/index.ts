export * from "./annotations.ts";
