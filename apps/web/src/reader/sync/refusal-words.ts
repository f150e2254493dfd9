/**
 * What the reader says after the server refused an update of ours and the page took the server's copy
 * again (sync/doc-session.ts). `kept`: our new annotations the server never had, written again into that
 * copy (sync/salvage.ts); the rest of what was unsaved, edits and deletions, was dropped.
 */
export function refusalNotice(reason: string, kept: number): string {
  const refused = `The server refused one of your changes (${reason}), so this article was reloaded from the server.`;
  if (kept === 0) return `${refused} What you wrote since your last saved change was discarded.`;
  const what = kept === 1 ? "Your new annotation was kept and sent again" : `Your ${kept} new annotations were kept and sent again`;
  return `${refused} ${what}; your other unsaved changes were discarded.`;
}
