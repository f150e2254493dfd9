import { ApiError } from "../../errors.ts";

/**
 * A change that reached a live document after it was torn down (the hub shutting down, the article deleted):
 * Yjs gives a destroyed document's changes to nobody, so nothing of it would be stored, and the writer must
 * not be told it was. Answered 503: a second try finds the hub's or the article's new state.
 */
export class DocumentClosed extends ApiError {
  override name = "DocumentClosed";
  constructor() {
    super("unavailable", "the article's live document closed before this change reached it; try again");
  }
}
