import { z } from "zod";

/** What a Date becomes in a JSON answer. */
export const dateTime = z.iso.datetime({ offset: true });

/** Someone a group names: by member id and by the name (or pseudonym) the viewer may see. */
export const person = z.strictObject({
  id: z.string().nullable().describe("The member id in the group (docs/architecture.md, \"Member ids\"); null for an account that never belonged"),
  name: z.string().nullable().describe("The name, or a pseudonym in a group anonymous to peers; null for a deleted account"),
});

/** A row's column as the JSON answer has it: a Date is sent as an ISO string. */
function asJson(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDate) return dateTime;
  if (field instanceof z.ZodNullable) return asJson(field.unwrap() as z.ZodType).nullable();
  return field;
}

/**
 * Some columns of a table, from its select schema in packages/schema, so that a response lists the
 * columns it sends without writing their types again.
 */
export function columnsOf<S extends z.ZodRawShape, K extends keyof S & string>(table: z.ZodObject<S>, ...keys: K[]) {
  return Object.fromEntries(keys.map((key) => [key, asJson(table.shape[key] as z.ZodType)])) as Record<K, z.ZodType>;
}

/** A strict object of one field: the list answers' envelope, e.g. `{groups: [...]}`. */
export const listOf = <K extends string>(key: K, item: z.ZodType) => z.strictObject({ [key]: z.array(item) } as Record<K, z.ZodArray<z.ZodType>>);
