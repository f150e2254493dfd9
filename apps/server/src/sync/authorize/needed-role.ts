import type * as Y from "yjs";
import { type Actor, type Role, canModerate } from "@marginalia/schema";
import { authorizeUpdate } from "./authorize.ts";
import { isLargeUpdate } from "../connection/update-pieces.ts";

/**
 * The least role an update approved for `actor` needs of its writer, which the commit checks they still hold
 * (docs/architecture.md, "Roles at the commit"): a write is an annotator's, unless only a moderator could make
 * it. A moderator's update is judged again as an annotator's to tell, before it is applied: a moderator demoted
 * while their comment is on its way keeps the comment. A large one is not, since that judgement would hold the
 * event loop (authorize.ts, `authorizeInTurns`): it needs the moderator role it was judged under.
 */
export function neededRole(doc: Y.Doc, update: Uint8Array, actor: Actor): Role {
  if (!canModerate(actor.role)) return "annotator";
  if (isLargeUpdate(update)) return "moderator";
  return authorizeUpdate(doc, update, { ...actor, role: "annotator" }).ok ? "annotator" : "moderator";
}
