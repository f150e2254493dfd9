import { type KeyboardEvent, type ReactNode, useRef } from "react";

export type TabId = "threads" | "notes" | "orphans" | "review";
type Tab = { id: TabId; label: string; content: ReactNode };

/**
 * The sidebar's tabs, with the WAI-ARIA tabs pattern: arrow keys move
 * between tabs, only the active tab is in the Tab order.
 */
export function Sidebar({ tabs, active, onSelect }: { tabs: Tab[]; active: TabId; onSelect(id: TabId): void }) {
  const list = useRef<HTMLDivElement>(null);
  const current = tabs.find((t) => t.id === active) ?? tabs[0]!;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const at = tabs.findIndex((t) => t.id === current.id);
    const next =
      event.key === "ArrowRight" ? (at + 1) % tabs.length
      : event.key === "ArrowLeft" ? (at - 1 + tabs.length) % tabs.length
      : event.key === "Home" ? 0
      : event.key === "End" ? tabs.length - 1
      : -1;
    if (next < 0) return;
    event.preventDefault();
    onSelect(tabs[next]!.id);
    list.current?.querySelectorAll<HTMLElement>("[role=tab]")[next]?.focus();
  };

  return (
    <aside className="sidebar" aria-label="Annotations">
      <div role="tablist" aria-label="Sidebar" ref={list} onKeyDown={onKeyDown} className="tabs">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={t.id === current.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={t.id === current.id ? 0 : -1}
            onClick={() => onSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" tabIndex={-1} id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`} className="tab-panel">
        {current.content}
      </div>
    </aside>
  );
}
