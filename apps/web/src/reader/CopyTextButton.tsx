import { announce } from "../app/announcer.tsx";

/** Copies words of the user's that the page cannot send, and says whether it could. */
export function CopyTextButton({ text }: { text: string }) {
  const copy = () =>
    navigator.clipboard.writeText(text).then(
      () => announce("Copied your text."),
      () => announce("Could not copy: select the text and copy it yourself."),
    );
  return (
    <button type="button" onClick={() => void copy()}>
      Copy your text
    </button>
  );
}
