import type { KeyboardEvent } from "react";

type Props = {
  value: string;
  onChange(value: string): void;
  /** Threads the list shows, search and filters applied. */
  shown: number;
  /** Threads placed in the text, before search and filters. */
  total: number;
};

/**
 * The search field over the threads, and how many match. The count sits in a
 * polite live region that is always in the page (a region added with its
 * text is often not announced); it is empty while nothing is searched.
 */
export function ThreadSearch({ value, onChange, shown, total }: Props) {
  const searching = value.trim() !== "";
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== "Escape" || value === "") return;
    // Clear the search, and keep the Escape from closing the drawer around it on a narrow screen.
    event.preventDefault();
    event.stopPropagation();
    onChange("");
  };
  return (
    <div className="thread-search">
      <label htmlFor="thread-search">Search threads</label>
      <input
        id="thread-search"
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Words in comments, claims, quotes, replies"
        autoComplete="off"
        spellCheck={false}
        dir="auto"
      />
      <p className="search-count" role="status">
        {searching && (shown === 1 ? `1 of ${total} threads matches` : `${shown} of ${total} threads match`)}
      </p>
    </div>
  );
}
