import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/argon2";
import pLimit from "p-limit";
import { z } from "zod";
import { ApiError } from "../errors.ts";

// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** argon2, called through this object so that tests can see which hash a check ran against. */
export const argon2 = { hash, verify };

/**
 * Hashes and checks run at most one fewer at a time than the machine has cores, and always one: each takes a
 * core for a few tens of ms on libuv's pool, and a burst of sign-ins ran four at once on two cores, which left
 * the event loop, and every socket on it, waiting for a CPU for up to 2.4 s (docs/architecture.md, "Accounts").
 */
const hashing = pLimit(Math.max(1, availableParallelism() - 1));
/** Past this many waiting (a few seconds' worth), a password is refused for now rather than kept waiting. */
export const MAX_WAITING_HASHES = 48;

export const hashingBusy = () =>
  Object.assign(new ApiError("unavailable", "Too many passwords are being checked at once; try again in a few seconds"), { retryAfterSeconds: 3 });

function inHashingTurn<T>(work: () => Promise<T>): Promise<T> {
  if (hashing.pendingCount >= MAX_WAITING_HASHES) return Promise.reject(hashingBusy());
  return hashing(work);
}

/**
 * What is hashed: the password in NFKC, so that one typed as composed characters on one device and as
 * decomposed ones on another (macOS file dialogs, some input methods), or in full-width forms, is the same
 * password (docs/architecture.md, "Accounts").
 */
export const normalizePassword = (password: string): string => password.normalize("NFKC");

/** Bounds on what is hashed: argon2 ignores nothing, but a megabyte-long "password" is only a way to burn CPU. */
const MIN_LENGTH = 8;
const MAX_LENGTH = 256;
/** As typed: decomposed text may take two or three code units per character that NFKC composes into one. */
const MAX_TYPED = 4 * MAX_LENGTH;

/** A password being chosen (sign-up, change, reset, the command line): 8 to 256 characters once normalized. */
export const newPasswordSchema = z
  .string()
  .min(MIN_LENGTH, "Use at least 8 characters")
  .max(MAX_TYPED)
  .superRefine((password, ctx) => {
    const { length } = normalizePassword(password);
    if (length < MIN_LENGTH) ctx.addIssue({ code: "custom", message: "Use at least 8 characters" });
    if (length > MAX_LENGTH) ctx.addIssue({ code: "custom", message: "Use at most 256 characters" });
  });

/** A password being checked: one that some hash could hold, normalized or (hashed before normalizing) as typed. */
export const passwordSchema = z
  .string()
  .min(1)
  .max(MAX_TYPED)
  .refine((password) => password.length <= MAX_LENGTH || normalizePassword(password).length <= MAX_LENGTH, "At most 256 characters");

export function hashPassword(password: string): Promise<string> {
  return inHashingTurn(() => argon2.hash(normalizePassword(password), OPTIONS));
}

/**
 * Which form of the password the hash holds: "normalized", "raw" (a hash made before passwords were
 * normalized, of the password as typed then: the caller stores a normalized rehash), or false.
 */
export async function matchPassword(passwordHash: string, password: string): Promise<"normalized" | "raw" | false> {
  // No hash to check against (an account a restore made has a marker instead): do the same work as
  // for an unknown email, or the quicker "no" would tell that the account exists.
  if (!passwordHash.startsWith("$argon2")) return verifyAgainstDummy(password);
  const normalized = normalizePassword(password);
  if (await argonMatches(passwordHash, normalized)) return "normalized";
  // Tried for a missing account too (verifyAgainstDummy comes here), so that the second try tells nothing.
  if (normalized !== password && (await argonMatches(passwordHash, password))) return "raw";
  return false;
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return (await matchPassword(passwordHash, password)) !== false;
}

async function argonMatches(passwordHash: string, password: string): Promise<boolean> {
  // A hash argon2 cannot read is no match; a turn refused (hashingBusy) is no answer at all, and goes up.
  return inHashingTurn(async () => {
    try {
      return await argon2.verify(passwordHash, password);
    } catch {
      return false;
    }
  });
}

/**
 * A real hash of nothing, verified when the account does not exist or has no
 * password, so that a login for either takes as long as one with a wrong
 * password.
 */
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("marginalia-timing-equaliser");
  await matchPassword(await dummyHash, password);
  return false;
}
