export type SliceSizes = { structs: number; ranges: number };
export function sliceState(state: Uint8Array, sizes: SliceSizes): Uint8Array[] | null;
