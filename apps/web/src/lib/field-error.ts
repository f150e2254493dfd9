import { type RefObject, useEffect } from "react";

/**
 * Ties a form's error to the field it is about: the field is marked invalid,
 * described by the error, and focused, so that the reader hears what is
 * wrong where it is to be put right. `field` is the field's `name`; the marks
 * of an earlier error come off first.
 */
export function useFieldError(form: RefObject<HTMLElement | null>, error: string | null, field: string | null, errorId: string) {
  useEffect(() => {
    const root = form.current;
    if (!root) return;
    for (const marked of root.querySelectorAll(`[aria-describedby="${errorId}"]`)) {
      marked.removeAttribute("aria-invalid");
      marked.removeAttribute("aria-describedby");
    }
    if (!error || !field) return;
    const el = root.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
    if (!el) return;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", errorId);
    el.focus();
  }, [form, error, field, errorId]);
}
