import { useEffect } from "react";

/**
 * The window's title names the screen, most specific first ("Moderation queue · Desk · Marginalia"): it is
 * what a screen reader says on arriving, and what tabs and the history list show.
 */
export function useDocumentTitle(...parts: Array<string | null | undefined>) {
  const title = [...parts.filter((p): p is string => !!p), "Marginalia"].join(" · ");
  useEffect(() => {
    document.title = title;
  }, [title]);
}
