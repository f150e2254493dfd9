import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";

// a-z and 0-9 without l, o, 0 and 1, so that a token read aloud or copied by hand survives.
const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

/** 24 random bytes, 5 bits kept per character: 120 bits of entropy. */
export function generateSecureRandomString(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte >> 3];
  return out;
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), new Uint8Array(storedHash));
}

/** A credential is `<id>.<secret>`: the id finds the row, the secret proves possession. */
export function splitCredential(token: string, prefix = ""): { id: string; secret: string } | null {
  if (!token.startsWith(prefix)) return null;
  const parts = token.slice(prefix.length).split(".");
  if (parts.length !== 2) return null;
  const [id, secret] = parts as [string, string];
  if (!/^[a-z2-9]{24}$/.test(id) || !/^[a-z2-9]{24}$/.test(secret)) return null;
  return { id, secret };
}
