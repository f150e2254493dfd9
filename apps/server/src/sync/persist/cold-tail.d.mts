export function stateVectorWithTail(stateVector: Uint8Array, tail: Uint8Array): Uint8Array;
