/** What a form says after an attempt: a hint (for example, that a write waits for moderation) and any error. */
export function FormFeedback({ note, error }: { note?: string | null; error?: string | null }) {
  return (
    <>
      {note && <p className="hint">{note}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
