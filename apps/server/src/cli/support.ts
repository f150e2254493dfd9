import { z } from "zod";
import type { Db } from "../db.ts";
import { ApiError } from "../errors.ts";
import { findUserByEmail } from "../services/users.ts";
import { CliError, UsageError } from "./command.ts";

/** Checks an argument against a schema; a value that does not fit is a usage error. */
export function checkArg<S extends z.ZodType>(name: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${name}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export const uuidArg = (name: string, value: string): string =>
  checkArg(name, z.uuid({ error: "not an id" }), value).toLowerCase();

/** The account a command acts as. */
export async function userByEmail(db: Db, email: string) {
  const user = await findUserByEmail(db, email);
  if (!user) throw new CliError(`No account has the email ${email}`);
  return user;
}

/**
 * Membership checks answer "not found" to outsiders so that the API leaks
 * nothing; at the console the operator needs to know which of the two it was.
 */
export async function asMember<T>(what: string, email: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") {
      throw new CliError(`${what} not found, or ${email} is not a member of its group`);
    }
    if (err instanceof ApiError && err.code === "forbidden") throw new CliError(`${email}: ${err.message}`);
    throw err;
  }
}

/** Errors from the shared services carry messages written for users already; anything else is reported plainly. */
export function describeError(err: unknown): string {
  if (err instanceof CliError || err instanceof ApiError) return err.message;
  if (err instanceof Error) return `unexpected error: ${err.message}`;
  return `unexpected error: ${String(err)}`;
}
