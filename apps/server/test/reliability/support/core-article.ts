import * as Y from "yjs";
import { annotationsOf } from "@marginalia/schema";
import { afterAll, beforeAll } from "vitest";
import type { LiveDocument } from "../../../src/sync/document/document.ts";
import { type TestApp, createTestApp } from "../../support/app.ts";
import { articleWithMembers } from "../../support/article.ts";
import { groupContext } from "./docs.ts";

/**
 * One article with an owner and two annotators, on a test app without a
 * listening socket, for tests that drive the sync core directly
 * (`connectCore`) and look into the server's live document.
 */
export function coreArticle() {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof articleWithMembers>>;
  beforeAll(async () => {
    t = await createTestApp();
    setup = await articleWithMembers(t.app, ["annotator", "annotator"]);
  });
  afterAll(() => t.close());
  const read = <T>(fn: (live: LiveDocument) => T) => t.hub.read(groupContext({ id: setup.article.id, groupId: setup.group.id }), fn);
  return {
    get t() {
      return t;
    },
    get setup() {
      return setup;
    },
    read,
    serverState: () => read((live) => Y.encodeStateAsUpdate(live.doc)),
    serverVector: () => read((live) => Y.encodeStateVector(live.doc)),
    serverHas: (id: string) => read((live) => annotationsOf(live.doc).has(id)),
  };
}
