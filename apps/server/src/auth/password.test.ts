import { availableParallelism } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../errors.ts";
import { MAX_WAITING_HASHES, argon2, hashPassword, matchPassword, verifyAgainstDummy, verifyPassword } from "./password.ts";

/** argon2's hash held until `release`, counting the calls that have started. */
function heldHashes() {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const hash = vi.spyOn(argon2, "hash").mockImplementation(async () => {
    await released;
    return "$argon2id$held";
  });
  return { started: () => hash.mock.calls.length, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

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

  it("hashes one fewer at a time than the machine has cores, and at least one, so that the event loop keeps a core", async () => {
    const held = heldHashes();
    const hashes = Array.from({ length: 6 }, (_, i) => hashPassword(`password ${i}`));
    await settle();
    expect(held.started()).toBe(Math.max(1, availableParallelism() - 1));
    held.release();
    expect(await Promise.all(hashes)).toHaveLength(6);
    expect(held.started()).toBe(6);
  });

  it("refuses a password past the waiting bound with 503 unavailable, never as a wrong password", async () => {
    const held = heldHashes();
    const running = Math.max(1, availableParallelism() - 1);
    const kept = Array.from({ length: running + MAX_WAITING_HASHES }, (_, i) => hashPassword(`password ${i}`));
    await settle();
    const refused = await hashPassword("one too many").catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(503);
    // A check refused its turn is no answer: it goes up, rather than reading as "no match".
    await expect(matchPassword("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "a guess")).rejects.toBeInstanceOf(ApiError);
    held.release();
    expect(await Promise.all(kept)).toHaveLength(running + MAX_WAITING_HASHES);
    expect(await hashPassword("after the burst")).toBe("$argon2id$held");
  });
});
