import { afterEach, describe, expect, it, vi } from "vitest";
import { argon2, hashPassword, verifyAgainstDummy, verifyPassword } from "./password.ts";

describe("password checks", () => {
  afterEach(() => vi.restoreAllMocks());

  it("checks an account without a password against the same dummy hash as an unknown email, and says no", async () => {
    const verify = vi.spyOn(argon2, "verify");
    expect(await verifyAgainstDummy("some guess pw")).toBe(false);
    expect(await verifyPassword("!restored-without-password", "some guess pw")).toBe(false);
    expect(verify).toHaveBeenCalledTimes(2);
    const [unknownEmail, noPassword] = verify.mock.calls.map(([hash]) => hash);
    expect(unknownEmail).toMatch(/^\$argon2id\$/);
    expect(noPassword).toBe(unknownEmail);
  });

  it("checks a real hash against itself", async () => {
    const hash = await hashPassword("the right one");
    expect(await verifyPassword(hash, "the right one")).toBe(true);
    expect(await verifyPassword(hash, "the wrong one")).toBe(false);
  });
});
