import { type ReactNode, useEffect, useRef } from "react";
import { trapTab } from "./threads/keyboard.ts";

/** Below this width the sidebar no longer fits beside the article (styles/sidebar.css uses the same). */
export const NARROW = "(max-width: 900px)";

type Props = { narrow: boolean; open: boolean; onOpenChange(open: boolean): void; count: number; children: ReactNode };

/**
 * On a narrow screen the sidebar is a drawer over the article, opened by a
 * button that stays at hand: a modal dialog that takes focus when it opens,
 * keeps it inside, and gives it back to the button when Escape or its close
 * button shuts it. On a wide screen it is the sidebar as it always was.
 */
export function SidebarDrawer({ narrow, open, onOpenChange, count, children }: Props) {
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(open);

  useEffect(() => {
    if (!narrow) return;
    if (open && !panel.current?.contains(document.activeElement)) panel.current?.querySelector<HTMLElement>(".drawer-close")?.focus();
    if (!open && wasOpen.current) toggle.current?.focus();
    wasOpen.current = open;
  }, [narrow, open]);

  // Escape closes the drawer wherever focus is (a control that went away leaves it on the page);
  // forms inside that answer Escape themselves stop it first.
  useEffect(() => {
    if (!narrow || !open) return;
    const onEscape = (event: globalThis.KeyboardEvent) => {
      if (event.key === "Escape") onOpenChange(false);
    };
    document.addEventListener("keydown", onEscape);
    return () => document.removeEventListener("keydown", onEscape);
  }, [narrow, open, onOpenChange]);

  if (!narrow) return <>{children}</>;

  return (
    <>
      <button ref={toggle} type="button" className="drawer-toggle primary" aria-expanded={open} aria-controls="annotations-drawer" onClick={() => onOpenChange(true)}>
        Annotations ({count})
      </button>
      {open && (
        <div ref={panel} id="annotations-drawer" className="drawer" role="dialog" aria-modal="true" aria-label="Annotations" onKeyDown={trapTab}>
          <button type="button" className="drawer-close" onClick={() => onOpenChange(false)}>
            Close
          </button>
          {children}
        </div>
      )}
    </>
  );
}
