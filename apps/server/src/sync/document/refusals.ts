import { annotationsOf } from "@marginalia/schema";
import type { Db } from "../../db.ts";
import type { Logger } from "../../logger.ts";
import { CLOSE_CODES } from "../../errors.ts";
import { Connection } from "../connection/connection.ts";
import type { PersistSource } from "../persist/persist.ts";
import type { AloneRefusal } from "../persist/commit-errors.ts";
import { storedAnnotationIds } from "../persist/stored-ids.ts";
import type { LiveDocument } from "./document.ts";
import type { LoadedDocuments } from "./loaded-documents.ts";
import type { ReloadPace } from "./reload-pace.ts";

/**
 * What the hub does with a live document when the commit refuses one of its updates (persist.ts): costs the
 * refused update its own new annotations and its writer their sockets, where that is enough, else reloads
 * the document (docs/sync.md, "6. Acknowledgements").
 */
export class Refusals {
  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly documents: LoadedDocuments,
    private readonly reloads: ReloadPace,
  ) {}

  /**
   * One of a document's updates could not be stored, so the document as held here has something that never
   * will be, which later updates could build on. It is dropped, and read again from what is stored on next
   * use (soon after: reload-pace.ts); its sockets close with 1011 and reconnect, sending again what was not
   * acknowledged, except what was refused (validate/refused-structs.ts).
   */
  reload(source: PersistSource, why: "refused" | "renamed") {
    const live = this.documents.live(source.context.docName);
    if (live !== source) return;
    if (why === "renamed") {
      // Written under a member id the group has drawn again: every socket here joined under the old ids too.
      this.drop(live, CLOSE_CODES.membersRenamed, "the group's member ids changed");
      return;
    }
    this.logger.warn({ room: source.context.docName }, "reloading a document after one of its updates could not be stored");
    this.reloads.reloaded(source.context.docName);
    this.drop(live, CLOSE_CODES.internal, "the document is being reloaded");
  }

  /**
   * An update gave this document an annotation id that another article or
   * author holds (drizzle/0018), which the authorizer, judging one document,
   * cannot know. The annotation is deleted here as the server's own change,
   * so that the update is written without it, and the writer's sockets on
   * this document close with 4403. Everyone else stays connected: a reload,
   * as for other refused updates, would close them all at the will of anyone
   * who copies an id.
   */
  takenId(source: PersistSource, id: string, account: string | null): boolean {
    const live = this.builtSource(source);
    if (!live) return false;
    this.logger.warn({ room: live.name, annotationId: id, userId: account }, "an update took an annotation id another article or author holds; removed");
    this.removeAsServer(live, [id]);
    this.closeWriter(live, account, "annotation id belongs to another article or author");
    return live.stored(id) === null;
  }

  /**
   * An update refused alone (commit-errors.ts, `refusedAlone`): a value the database cannot hold, which the
   * schemas let through, or a writer who no longer holds the role it needs (demoted or removed on another
   * process), or a commit hook's policy. When it only made annotations, none stored yet, they are deleted here
   * as the server's own change, so that the update is written without them; its writer is told it was not
   * stored (4422, or 4403 on each of their sockets here for a refusal of the writer's; a REST write's answer as
   * before). A reload would close every socket on the document, and refuse every member's update queued
   * behind it, for one member's write.
   *
   * An annotation stored before is someone's work as the group last saw it: restoring it here from its row
   * would also undo, or lose, what others built on the refused edit since, and the row is not all the document
   * holds of it. Such an update is refused as any other, with the reload, which puts back what is stored.
   */
  async refusedAlone(source: PersistSource, ids: ReadonlySet<string>, account: string | null, why: AloneRefusal): Promise<boolean> {
    if (ids.size === 0 || !this.builtSource(source)) return false;
    if (why.writer && account === null) return false;
    if ((await storedAnnotationIds(this.db, source.context.docName, [...ids])).size > 0) return false;
    // Looked up again: the document may have been unloaded or reloaded while the projection answered.
    const live = this.builtSource(source);
    if (!live) return false;
    // A writer's lost role is expected (a demotion while they typed), not an error.
    this.logger[why.reason === "forbidden" ? "info" : "warn"]({ room: live.name, annotationIds: [...ids], userId: account }, "an update refused at the commit made only new annotations; they were removed");
    this.removeAsServer(live, ids);
    if (why.writer) this.closeWriter(live, account, why.reason === "forbidden" ? "your role no longer allows this" : "update refused at the commit");
    return [...ids].every((id) => live.stored(id) === null);
  }

  /** Unloads a live document at once, without writing anything more of it, and closes its sockets. */
  drop(live: LiveDocument, code: number, reason: string) {
    this.documents.drop(live, () => {
      for (const peer of [...live.peers]) if (peer instanceof Connection) peer.close(code, reason);
    });
  }

  /** `source` as the live document it still is, built (not cold, not building), or null: only then may the server change it. */
  private builtSource(source: PersistSource): LiveDocument | null {
    const live = this.documents.live(source.context.docName);
    return live === source && !live.isCold && !live.isBuilding ? live : null;
  }

  /** Closes each socket of `account` on the document with 4403: every one of them wrote under the right it lost. */
  private closeWriter(live: LiveDocument, account: string | null, reason: string) {
    for (const peer of [...live.peers]) {
      if (peer instanceof Connection && peer.account === account) peer.close(CLOSE_CODES.forbidden, reason);
    }
  }

  /**
   * Deletes annotations as the server's own change. Not awaited: the deletion is stored by the same
   * committer that waits for the caller's answer.
   */
  private removeAsServer(live: LiveDocument, ids: Iterable<string>) {
    live
      .change({ userId: null }, (doc) => {
        for (const id of ids) annotationsOf(doc).delete(id);
      })
      .catch((err: unknown) => this.logger.warn({ err, room: live.name }, "annotations could not be removed"));
  }
}
