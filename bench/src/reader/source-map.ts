// Enough of the source map format (v3) to name a position in the minified bundle: the original file,
// line, and the text of that line, so that a profile of the built reader reads in source terms.

type Segment = { column: number; source: number; line: number };
type SourceMap = { sources: string[]; sourcesContent?: Array<string | null>; mappings: string };

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c)!;
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

export class SourceLookup {
  private readonly lines: Segment[][];
  private readonly texts: Array<string[] | null>;

  constructor(private readonly map: SourceMap) {
    let source = 0;
    let line = 0;
    let column = 0;
    this.lines = map.mappings.split(";").map((group) => {
      column = 0;
      const segments: Segment[] = [];
      for (const part of group.split(",")) {
        if (!part) continue;
        const v = decodeVlq(part);
        column += v[0]!;
        if (v.length < 4) continue;
        source += v[1]!;
        line += v[2]!;
        segments.push({ column, source, line });
      }
      return segments;
    });
    this.texts = (map.sourcesContent ?? []).map((content) => content?.split("\n") ?? null);
  }

  static async fetch(scriptUrl: string): Promise<SourceLookup | null> {
    const res = await fetch(`${scriptUrl}.map`).catch(() => null);
    return res?.ok ? new SourceLookup((await res.json()) as SourceMap) : null;
  }

  /** "file:line  code" for a zero-based generated position, with the workspace's paths shortened. */
  describe(line: number, column: number): string | null {
    const segments = this.lines[line];
    if (!segments?.length) return null;
    let found: Segment | undefined;
    for (const s of segments) {
      if (s.column > column) break;
      found = s;
    }
    found ??= segments[0]!;
    const file = (this.map.sources[found.source] ?? "?").replace(/^(\.\.\/)+/, "").replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
    const code = this.texts[found.source]?.[found.line]?.trim().slice(0, 70) ?? "";
    return `${file}:${found.line + 1}  ${code}`;
  }
}
