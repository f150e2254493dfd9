import type postgres from "postgres";

export const MERGE_FANIN: number;
export function mergeMany(parts: Uint8Array[]): Uint8Array;
export function check(update: Uint8Array): void;
export function fold(snapshot: Uint8Array | null, rows: Uint8Array[]): { state: Uint8Array; sha256: Uint8Array };
export type ByteJob = "merge" | "fold" | "state-vector" | "tail-state-vector" | "check" | "stored-diff";
/** A diff's parts: its state vector, `stored` stored parts, then, when `loaded`, the loaded ones (stored-diff.mjs). */
export type DiffOptions = { stored: number; loaded: boolean };
export function byteJob(kind: ByteJob, parts: Uint8Array[], options?: { snapshotFirst?: boolean } | DiffOptions): { state?: Uint8Array; sha256?: Uint8Array };
export function planPass(snapshotBytes: number | null, sizes: number[], options: { foldRatio: number; whole?: boolean }): { merge: boolean; from: number };
export function planRows(
  snapshot: { bytes: number | string } | undefined,
  tail: Array<{ id: string; bytes: number | string }>,
  options: { foldRatio: number; whole?: boolean },
): { merge: boolean; ids: string[] };
export function throughAfter(ids: string[], through: string | null): string;
/** `whole`: take every row, not only the newest run (yjs-jobs.mjs, `planPass`). */
export type CompactOptions = { batch: number; foldRatio: number; whole?: boolean };
export function compactDocument(sql: postgres.Sql, docName: string, options: CompactOptions): Promise<number>;
