import type { z } from "zod";
import { ApiError } from "../errors.ts";

/** How the W3C API reads a client's document: every refusal names the field at fault by its full path. */

export const fail = (field: string, message: string) => new ApiError("validation_failed", `${field}: ${message}`, field);

/** Parses a part of the document, naming the failing field by its full path. */
export function part<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [field, ...issue.path].join(".");
  throw new ApiError("validation_failed", `${path}: ${issue.message}`, path);
}

/** JSON-LD gives a property one value or an array of them; missing is none. */
export const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const isNode = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A node with its `type` as a single string when it was sent as an array of one: JSON-LD lets any value
 * be an array, and `["TextQuoteSelector"]` means what `"TextQuoteSelector"` does.
 */
export function singleTyped(value: unknown): unknown {
  if (!isNode(value) || !Array.isArray(value.type) || value.type.length !== 1) return value;
  return { ...value, type: value.type[0] };
}

/** A property of a node, or undefined when the value is not a node. */
export const propertyOf = (value: unknown, key: string): unknown => (isNode(value) ? value[key] : undefined);

/** The REST fields the services name in a refusal that a W3C document carries under another key. */
const W3C_KEYS: Readonly<Record<string, string>> = { status: "mg:status", visibility: "mg:visibility", color: "mg:color", resolved: "mg:resolved" };

/**
 * A service's refusal, its field named as the W3C client wrote it (`mg:status`, not `status`), so that a
 * client can find what to change in the document it sent.
 */
export function asW3CRefusal(err: unknown): never {
  const key = err instanceof ApiError && err.field ? W3C_KEYS[err.field] : undefined;
  if (!key) throw err;
  const { code, message } = err as ApiError;
  throw new ApiError(code, message, key);
}
