export function storedDiff(sv: Uint8Array, parts: Uint8Array[], loaded: Uint8Array[] | null): Uint8Array | null;
