export * from "./blocks.ts";
export * from "./tables/accounts.ts";
export * from "./tables/annotations.ts";
export * from "./tables/articles.ts";
export * from "./tables/doc-store.ts";
export * from "./tables/groups.ts";
export * from "./tables/moderation.ts";
export * from "./ydoc/index.ts";
