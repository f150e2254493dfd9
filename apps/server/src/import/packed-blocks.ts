import { BLOCK_KINDS, type Block, type BlockKind } from "@marginalia/schema";

/**
 * What the consumers of an imported article's blocks ask of them (revision-drafts.ts, article-answer.ts):
 * their number and copies of runs of them. A plain array is one; so is `PackedBlocks`.
 */
export type BlockSlices = { readonly length: number; slice(start?: number, end?: number): Block[] };

/** A block list as typed arrays: `bounds` holds each block's start and end; a level or page of 0 is none. */
export type PackedBlockData = { kinds: Uint8Array; levels: Uint8Array; pages: Int32Array; bounds: Int32Array };

const KIND_CODES = new Map<BlockKind, number>(BLOCK_KINDS.map((kind, code) => [kind, code]));

/**
 * Blocks as an import thread sends them. Posted as an array of objects, 50,000 small paragraphs took
 * structured clone 66–351 ms to rebuild on the event loop in one step (163,000 blocks up to 609 ms); typed
 * arrays are handed over without a copy, and the receiver builds objects only a slice at a time, as it
 * stores and answers with them (docs/architecture.md, "Importing").
 */
export function packBlocks(blocks: readonly Block[]): PackedBlockData {
  const n = blocks.length;
  const data: PackedBlockData = { kinds: new Uint8Array(n), levels: new Uint8Array(n), pages: new Int32Array(n), bounds: new Int32Array(2 * n) };
  blocks.forEach((block, i) => {
    data.kinds[i] = KIND_CODES.get(block.kind)!;
    data.levels[i] = block.level ?? 0;
    data.pages[i] = block.page ?? 0;
    data.bounds[2 * i] = block.start;
    data.bounds[2 * i + 1] = block.end;
  });
  return data;
}

/** The buffers `postMessage` may hand over rather than copy. */
export function transferablesOf(data: PackedBlockData): ArrayBuffer[] {
  return [data.kinds.buffer, data.levels.buffer, data.pages.buffer, data.bounds.buffer] as ArrayBuffer[];
}

/** Packed blocks, read back as `Block`s a slice at a time. */
export class PackedBlocks implements BlockSlices {
  constructor(private readonly data: PackedBlockData) {}

  get length(): number {
    return this.data.kinds.length;
  }

  /** As Array's `slice`, negative indices included. */
  slice(start = 0, end = this.length): Block[] {
    const from = clamp(start, this.length);
    const to = clamp(end, this.length);
    const out: Block[] = [];
    for (let i = from; i < to; i++) out.push(this.block(i));
    return out;
  }

  private block(i: number): Block {
    const { kinds, levels, pages, bounds } = this.data;
    const block: Block = { kind: BLOCK_KINDS[kinds[i]!]!, start: bounds[2 * i]!, end: bounds[2 * i + 1]! };
    if (levels[i]) block.level = levels[i];
    if (pages[i]) block.page = pages[i];
    return block;
  }
}

function clamp(index: number, length: number): number {
  return index < 0 ? Math.max(0, length + index) : Math.min(index, length);
}
