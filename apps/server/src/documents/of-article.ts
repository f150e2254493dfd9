import { type SQL, eq, like, or } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * Whether a document name is one of an article's: the group's room, and the rooms that hang off it
 * (`article:<id>:…`: the hidden one, each member's private one). Article ids are UUIDs, so the
 * pattern holds no wildcard of its own.
 */
export function ofArticle(docName: AnyPgColumn, articleId: string): SQL {
  return or(eq(docName, `article:${articleId}`), like(docName, `article:${articleId}:%`))!;
}
