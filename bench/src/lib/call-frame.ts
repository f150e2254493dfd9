// How the profile summaries (profile-top.ts, alloc-top.ts) name a V8 call frame: function, then its file
// shortened to the package or to the repository, and line.
export type CallFrame = { functionName: string; url: string; lineNumber: number };

export function frameLabel(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, "").replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "");
  return `${frame.functionName || "(anonymous)"} ${url.replace(/^\/work\/main\//, "")}:${frame.lineNumber + 1}`;
}
