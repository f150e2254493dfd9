import type { RefObject } from "react";
import { announce } from "../app/announcer.tsx";

const COULD_NOT = "Could not copy: the text is selected, copy it yourself.";

/**
 * Copies words of the user's that the page cannot send, and says whether it could. Where the clipboard is
 * not offered (a page served over plain http has no `navigator.clipboard`) or refuses, the text is selected
 * in `source`, for the user's own copy.
 */
export function CopyTextButton({ text, source }: { text: string; source?: RefObject<HTMLTextAreaElement | null> }) {
  const selectInstead = () => {
    source?.current?.focus();
    source?.current?.select();
    announce(source?.current ? COULD_NOT : "Could not copy: select the text and copy it yourself.");
  };
  const copy = () => {
    // Read as the page runs, not as typed: the property is missing, not merely refused, outside a secure context.
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (!clipboard) return selectInstead();
    try {
      clipboard.writeText(text).then(() => announce("Copied your text."), selectInstead);
    } catch {
      selectInstead();
    }
  };
  return (
    <button type="button" onClick={copy}>
      Copy your text
    </button>
  );
}
