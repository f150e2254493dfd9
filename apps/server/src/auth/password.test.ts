import { afterEach, describe, expect, it, vi } from "vitest";
import { argon2, hashPassword, matchPassword, verifyAgainstDummy, verifyPassword } from "./password.ts";

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

  it("compares passwords as NFKC, so that composed and decomposed typing match", async () => {
    const nfc = "Pässwörd-café-1".normalize("NFC");
    const nfd = nfc.normalize("NFD");
    expect(nfd).not.toBe(nfc);
    const hash = await hashPassword(nfc);
    expect(await verifyPassword(hash, nfd)).toBe(true);
    expect(await matchPassword(hash, nfd)).toBe("normalized");
    expect(await verifyPassword(await hashPassword(nfd), nfc)).toBe(true);
    expect(await verifyPassword(await hashPassword("ｆｕｌｌ ｗｉｄｔｈ"), "full width")).toBe(true);
  });

  it("still takes a password hashed before normalization as it was typed, and says so, so that it can be rehashed", async () => {
    const nfd = "Pässwörd-café-1".normalize("NFD");
    const legacy = await argon2.hash(nfd, { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 });
    expect(await matchPassword(legacy, nfd)).toBe("raw");
    expect(await matchPassword(legacy, "Pässwörd-café-2".normalize("NFD"))).toBe(false);
  });
});
