import { annotations } from "@marginalia/schema/tables";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db.ts";

/** Which of `ids` a document's projection holds: annotations stored before, as opposed to ones an update is making. */
export async function storedAnnotationIds(db: Db, docName: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: annotations.id })
    .from(annotations)
    .where(and(eq(annotations.docName, docName), inArray(annotations.id, [...ids])));
  return new Set(rows.map((r) => r.id));
}
