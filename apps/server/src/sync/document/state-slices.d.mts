export type SliceSizes = { structs: number; ranges: number };
export function sliceState(state: Uint8Array, sizes: SliceSizes): Uint8Array[] | null;
export function writeDeleteRanges(
  encoder: import("yjs").UpdateEncoderV1,
  part: ReadonlyArray<readonly [number, ReadonlyArray<{ clock: number; len: number }>]>,
): void;
