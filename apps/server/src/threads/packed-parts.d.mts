export type Packed = { bytes: Uint8Array; ends: Uint32Array };
export function pack(parts: readonly Uint8Array[]): Packed;
export function packInTurns(parts: readonly Uint8Array[], nextTurn: () => Promise<void>, bytesPerTurn?: number, partsPerTurn?: number): Promise<Packed>;
export function unpack(packed: Packed): Uint8Array[];
export function partsAndPacked(parts?: Uint8Array[], packed?: Packed): Uint8Array[];
