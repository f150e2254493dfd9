// Only the Drizzle tables and enums: what drizzle-kit and the db handle need.
export * from "./tables/accounts.ts";
export * from "./tables/annotations.ts";
export * from "./tables/articles.ts";
export * from "./tables/doc-store.ts";
export * from "./tables/groups.ts";
export * from "./tables/moderation.ts";
export * from "./tables/notifications.ts";
export * from "./tables/webhooks.ts";
// And the SQL a generated column and its queries share, so that both sides of a search read text alike.
export { searchFold } from "./tables/columns.ts";
