import { defineConfig } from "drizzle-kit";

// Generation only reads the schema; it never connects, so no credentials here.
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/schema/src/tables/*.ts",
  out: "./drizzle",
});
