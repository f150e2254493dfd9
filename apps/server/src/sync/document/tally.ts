/**
 * Takes one from a count kept per key, and forgets the key at zero: a map of
 * counts that kept its zeros would grow with every key ever counted (every
 * account that ever opened a socket), long after none is open.
 */
export function release<K>(counts: Map<K, number>, key: K) {
  const left = (counts.get(key) ?? 1) - 1;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
}
