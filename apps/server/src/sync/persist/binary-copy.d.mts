import type postgres from "postgres";

export function fromBase64(text: string): Uint8Array;
export function toBase64(bytes: Uint8Array): string;
export function quoteLiteral(text: string): string;
export type FirstRowOptions = { headroom?: number; shared?: boolean };
export class FirstRowReader {
  constructor(options?: FirstRowOptions);
  push(chunk: Uint8Array): void;
  finish(): Array<Uint8Array | null> | null;
}
export const SLICE_BYTES: number;
export function slicesQuery(source: string, extras?: number, sliceBytes?: number): string;
/** `digest`: the value's SHA-256 when `sha256` was asked for and the slices came in order; else null. */
export type Sliced = { bytes: Uint8Array; extras: Array<Uint8Array | null>; digest: Uint8Array | null };
export type SliceOptions = FirstRowOptions & { sha256?: boolean };
export class SliceReader {
  constructor(options?: SliceOptions, extras?: number, sliceBytes?: number);
  push(chunk: Uint8Array): void;
  finish(): Sliced | null;
}
export function copyOutSlices(sql: postgres.Sql<any>, source: string, extras: number, options?: SliceOptions): Promise<Sliced | null>;
export function firstRow(copy: Uint8Array, options?: FirstRowOptions): Array<Uint8Array | null> | null;
export function binaryCopyOf(bytes: Uint8Array): Uint8Array;
