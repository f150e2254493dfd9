import { type RefObject, useEffect } from "react";

const tokens = (el: Element) => (el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);

function setDescribedBy(el: Element, ids: string[]) {
  if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
  else el.removeAttribute("aria-describedby");
}

/**
 * Ties a form's error to the field it is about: the field is marked invalid,
 * described by the error, and focused, so that the reader hears what is
 * wrong where it is to be put right. `field` is the field's `name`; the marks
 * of an earlier error come off first. A field's own descriptions (a hint)
 * stay: the error's id is added to them and later taken out again.
 */
export function useFieldError(form: RefObject<HTMLElement | null>, error: string | null, field: string | null, errorId: string) {
  useEffect(() => {
    const root = form.current;
    if (!root) return;
    for (const marked of root.querySelectorAll(`[aria-describedby~="${CSS.escape(errorId)}"]`)) {
      marked.removeAttribute("aria-invalid");
      setDescribedBy(
        marked,
        tokens(marked).filter((id) => id !== errorId),
      );
    }
    if (!error || !field) return;
    const el = root.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`);
    if (!el) return;
    el.setAttribute("aria-invalid", "true");
    setDescribedBy(el, [...tokens(el), errorId]);
    el.focus();
  }, [form, error, field, errorId]);
}
