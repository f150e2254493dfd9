import { expect } from "vitest";
import { ApiError } from "../../src/errors.ts";

/** The ApiError a piece of work fails with; fails the test when it succeeds or fails otherwise. */
export async function refusal(work: Promise<unknown>): Promise<ApiError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}
