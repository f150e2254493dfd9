import { hash, verify } from "@node-rs/argon2";

// OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

/** argon2, called through this object so that tests can see which hash a check ran against. */
export const argon2 = { hash, verify };

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  // No hash to check against (an account a restore made has a marker instead): do the same work as
  // for an unknown email, or the quicker "no" would tell that the account exists.
  if (!passwordHash.startsWith("$argon2")) return verifyAgainstDummy(password);
  try {
    return await argon2.verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A real hash of nothing, verified when the account does not exist or has no
 * password, so that a login for either takes as long as one with a wrong
 * password.
 */
let dummyHash: Promise<string> | undefined;
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword("marginalia-timing-equaliser");
  await verifyPassword(await dummyHash, password);
  return false;
}
