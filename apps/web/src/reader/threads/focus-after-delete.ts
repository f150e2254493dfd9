/**
 * Where keyboard focus goes when the annotation whose toolbar holds `from` is deleted, so that it does not
 * fall to the page's body with the card: a reply's next reply, else its previous one, else its thread's card;
 * a thread's next card in the list, else the previous one, else the list's panel. Found before the deletion,
 * while the card is still there to find it from; focused just after.
 */
export function focusAfterDelete(from: Element): () => void {
  const reply = from.closest("li.reply");
  const thread = from.closest(".thread-list > li");
  const card = (li: Element | null | undefined) => li?.querySelector<HTMLElement>("article[tabindex]") ?? null;
  const target = reply
    ? ((reply.nextElementSibling ?? reply.previousElementSibling) as HTMLElement | null) ?? reply.closest<HTMLElement>("article[tabindex]")
    : (card(thread?.nextElementSibling) ?? card(thread?.previousElementSibling) ?? from.closest<HTMLElement>("[role=tabpanel]"));
  return () => target?.focus();
}
