import { randomUUID } from "node:crypto";
import * as Y from "yjs";
import {
  annotationsOf,
  createAnnotation,
  notesOf,
  setVote,
  updateAnnotation,
  deleteAnnotation,
  votesOf,
  voteKey,
} from "@marginalia/schema";
import { describe, expect, it } from "vitest";
import { authorizeUpdate } from "./authorize.ts";
import { actor, alice, articleId, bob, serverWithComment, updateFrom } from "./authorize-testing.ts";

const expectOk = (r: ReturnType<typeof authorizeUpdate>) => expect(r).toMatchObject({ ok: true });
const expectRefused = (r: ReturnType<typeof authorizeUpdate>, reason: RegExp) => {
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.reason).toMatch(reason);
};

const reloaded = (doc: Y.Doc) => {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
};

describe("authorizeUpdate: an annotation gone meanwhile", () => {
  it("takes an offline edit of an annotation deleted since, which changes nothing, and refuses one of an annotation never there", () => {
    const { server, id } = serverWithComment();
    // Typed into the body's text, as the web app's edit form writes it.
    const edit = updateFrom(server, (c) => (annotationsOf(c).get(id)!.get("body") as Y.Text).insert(6, " Edited offline"));
    // Approved, hidden or deleted elsewhere while the edit waited: the document no longer holds it, here as
    // loaded again from storage, where the deleted annotation's contents are collected.
    annotationsOf(server).delete(id);
    for (const doc of [server, reloaded(server)]) {
      expectOk(authorizeUpdate(doc, edit, actor(alice, "annotator")));
      Y.applyUpdate(doc, edit);
      expect(annotationsOf(doc).has(id)).toBe(false);
    }

    const elsewhere = serverWithComment();
    const stray = updateFrom(elsewhere.server, (c) => updateAnnotation(c, elsewhere.id, { body: "Edited" }));
    expectRefused(authorizeUpdate(new Y.Doc(), stray, actor(alice, "annotator")), /no such annotation|missing|builds on/);
  });
});

describe("authorizeUpdate: creating", () => {
  it("lets an annotator create an annotation as themself", () => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: alice, body: "hello" }));
    expectOk(authorizeUpdate(server, update, actor(alice, "annotator")));
  });

  it("refuses an annotation created in someone else's name", () => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: bob }));
    expectRefused(authorizeUpdate(server, update, actor(alice, "annotator")), /yourself as author/);
  });

  it("refuses a new annotation any of whose fields breaks its schema, naming the field", () => {
    const bad: [string, unknown][] = [
      ["color", "red"],
      ["tags", [""]],
      // Long as written, short once trimmed: the document keeps what was written.
      ["tags", [`x${"\u3000".repeat(20_000)}`]],
      ["createdAt", -1],
      // IRIs other W3C clients are served, and may render as links.
      ["canonical", "javascript:alert(1)"],
      ["via", "data:text/html,<script>alert(1)</script>"],
      // Nor with a control character (RFC 3987, section 2.2): a C0 one that is not whitespace, DEL, a C1 one.
      ["canonical", "urn:uuid:\u00011"], ["via", "https://example.org/\u007f"], ["canonical", "tag:x\u0085y"],
      ["kind", "rumour"],
      ["parentId", "no spaces"],
      // Past year 9999: no timestamp column (nor a JavaScript Date) holds it.
      ["dueAt", 9e15],
      ["createdAt", 253_402_300_800_000],
      // Not BCP 47, or not in the canonical form every reader is to see (fa-IR).
      ["language", "en_US"], ["language", "FA-ir"], ["language", ""],
    ];
    for (const [field, value] of bad) {
      const server = new Y.Doc();
      const update = updateFrom(server, (c) =>
        c.transact(() => annotationsOf(c).get(createAnnotation(c, { kind: "comment", authorId: alice, body: "hello" }))!.set(field, value)),
      );
      expectRefused(authorizeUpdate(server, update, actor(alice, "annotator")), new RegExp(`invalid new annotation: ${field}\\b`));
    }
  });

  it("refuses an update in Yjs's V2 encoding, or behind bytes that read as an empty one, rather than take it as nothing", () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    const v2: Uint8Array[] = [];
    client.on("updateV2", (u: Uint8Array) => v2.push(u));
    createAnnotation(client, { kind: "comment", authorId: alice, body: "in V2" });
    expectRefused(authorizeUpdate(server, v2[0]!, actor(alice, "annotator")), /V1 encoding/);
    const v1 = Y.encodeStateAsUpdate(client);
    expectRefused(authorizeUpdate(server, new Uint8Array([0, 0, ...v1]), actor(alice, "annotator")), /V1 encoding/);
    // The empty update itself is still nothing, as clients send it.
    expectOk(authorizeUpdate(server, new Uint8Array([0, 0]), actor(alice, "annotator")));
  });

  it("refuses fields named after what every object inherits, on a new annotation and an existing one", () => {
    for (const field of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      const server = new Y.Doc();
      const created = updateFrom(server, (c) =>
        c.transact(() => annotationsOf(c).get(createAnnotation(c, { kind: "comment", authorId: alice, body: "hello" }))!.set(field, { status: "hidden" })),
      );
      expectRefused(authorizeUpdate(server, created, actor(alice, "annotator")), new RegExp(`no field ${field}`));
      const existing = serverWithComment();
      const edited = updateFrom(existing.server, (c) => annotationsOf(c).get(existing.id)!.set(field, "x".repeat(1000)));
      expectRefused(authorizeUpdate(existing.server, edited, actor(alice, "annotator")), new RegExp(`no field ${field}`));
    }
  });

  it("refuses any change from a viewer, but accepts an empty sync step", () => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: alice }));
    expectRefused(authorizeUpdate(server, update, actor(alice, "viewer")), /viewer/);
    expectOk(authorizeUpdate(server, updateFrom(server, () => {}), actor(alice, "viewer")));
  });

  it.each([
    ["an unknown kind", { kind: "rant" }, /kind/],
    ["an unknown verdict", { kind: "factcheck", factcheck: { claim: "x", verdict: "maybe", sources: [] } }, /factcheck/],
    ["21 tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /tags/],
    ["a body over 20,000 characters", { body: "x".repeat(20_001) }, /body/],
    ["a server-only anchor", {}, /anchor/],
  ])("refuses %s", (_, extra, reason) => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => {
      const id = createAnnotation(c, { kind: "comment", authorId: alice, ...(extra as object) });
      if (String(reason) === String(/anchor/)) annotationsOf(c).get(id)!.set("anchor", { state: "anchored" });
    });
    expectRefused(authorizeUpdate(server, update, actor(alice, "annotator")), reason);
  });

  it("refuses a client's record of what a verdict judged, new or edited: only the server pins a verdict to the text", () => {
    const server = new Y.Doc();
    const judged = { revision: 1, exact: "words", verdict: "true" };
    const factcheck = { claim: "c", verdict: "true" as const, sources: [] };
    const created = updateFrom(server, (c) => {
      const id = createAnnotation(c, { kind: "factcheck", authorId: alice, status: "draft", factcheck });
      annotationsOf(c).get(id)!.set("judged", judged);
    });
    expectRefused(authorizeUpdate(server, created, actor(alice, "annotator")), /judged/);
    const id = createAnnotation(server, { kind: "factcheck", authorId: alice, status: "draft", factcheck });
    const edited = updateFrom(server, (c) => annotationsOf(c).get(id)!.set("judged", judged));
    expectRefused(authorizeUpdate(server, edited, actor(alice, "moderator")), /judged is set by the server/);
  });

  it("refuses a published fact-check from an annotator but takes a draft", () => {
    const server = new Y.Doc();
    const published = updateFrom(server, (c) =>
      createAnnotation(c, { kind: "factcheck", authorId: alice, status: "published", factcheck: { claim: "c", verdict: "true", sources: [] } }),
    );
    expectRefused(authorizeUpdate(server, published, actor(alice, "annotator")), /cannot create a published factcheck/);
    const draft = updateFrom(server, (c) =>
      createAnnotation(c, { kind: "factcheck", authorId: alice, status: "draft", factcheck: { claim: "c", verdict: "true", sources: [] } }),
    );
    expectOk(authorizeUpdate(server, draft, actor(alice, "annotator")));
  });

  it("sends a pre-moderated annotator to their private document", () => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: alice, status: "pending" }));
    expectRefused(authorizeUpdate(server, update, actor(alice, "annotator", { moderation: "pre" })), /pre-moderated/);
    const privateActor = actor(alice, "annotator", { moderation: "pre", room: { kind: "private", articleId, userId: alice } });
    expectOk(authorizeUpdate(server, update, privateActor));
    expectOk(authorizeUpdate(server, update, actor(bob, "moderator", { moderation: "pre", userId: alice })));
  });

  it("lets anyone who annotates reply on any thread", () => {
    const { server, id } = serverWithComment();
    const reply = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: bob, parentId: id, body: "Agreed" }));
    expectOk(authorizeUpdate(server, reply, actor(bob, "annotator")));
  });

  it("refuses replacing an existing annotation", () => {
    const { server, id } = serverWithComment();
    const update = updateFrom(server, (c) => createAnnotation(c, { id, kind: "comment", authorId: alice }));
    expectRefused(authorizeUpdate(server, update, actor(alice, "annotator")), /exists/);
  });
});

describe("authorizeUpdate: editing and deleting", () => {
  it("lets the author edit body, tags and status within their rights", () => {
    const { server, id } = serverWithComment();
    const update = updateFrom(server, (c) => {
      const body = annotationsOf(c).get(id)!.get("body") as Y.Text;
      body.insert(6, " edit");
      body.delete(0, 1);
      updateAnnotation(c, id, { tags: ["energy"], resolved: true });
    });
    expectOk(authorizeUpdate(server, update, actor(alice, "annotator")));
  });

  it("traces single-character typing through origins to the right annotation", () => {
    const { server, id } = serverWithComment();
    const update = updateFrom(server, (c) => {
      const body = annotationsOf(c).get(id)!.get("body") as Y.Text;
      for (const ch of "typed") body.insert(body.length, ch);
    });
    expectOk(authorizeUpdate(server, update, actor(alice, "annotator")));
    expectRefused(authorizeUpdate(server, update, actor(bob, "annotator")), /your own/);
  });

  it("refuses an annotator editing or deleting someone else's annotation", () => {
    const { server, id } = serverWithComment();
    const edit = updateFrom(server, (c) => updateAnnotation(c, id, { body: "hijacked" }));
    expectRefused(authorizeUpdate(server, edit, actor(bob, "annotator")), /your own/);
    const del = updateFrom(server, (c) => deleteAnnotation(c, id));
    expectRefused(authorizeUpdate(server, del, actor(bob, "annotator")), /your own/);
    expectOk(authorizeUpdate(server, del, actor(alice, "annotator")));
  });

  it("takes its author's language as a canonical BCP 47 tag or null, and refuses any other value or a moderator's change", () => {
    const { server, id } = serverWithComment();
    const set = (language: unknown) => updateFrom(server, (c) => annotationsOf(c).get(id)!.set("language", language));
    expectOk(authorizeUpdate(server, set("fa-IR"), actor(alice, "annotator")));
    expectOk(authorizeUpdate(server, set(null), actor(alice, "annotator")));
    for (const bad of ["FA-ir", "en_US", "", 7, "a".repeat(36)]) expectRefused(authorizeUpdate(server, set(bad), actor(alice, "annotator")), /invalid language/);
    expectRefused(authorizeUpdate(server, set("fa"), actor(bob, "moderator")), /moderators may change only/);
  });

  it("lets a moderator change status and resolved on anyone's annotation, but not the body", () => {
    const { server, id } = serverWithComment();
    const hide = updateFrom(server, (c) => updateAnnotation(c, id, { status: "hidden", resolved: true }));
    expectOk(authorizeUpdate(server, hide, actor(bob, "moderator")));
    const body = updateFrom(server, (c) => updateAnnotation(c, id, { body: "moderated" }));
    expectRefused(authorizeUpdate(server, body, actor(bob, "owner")), /moderators may change only/);
  });

  it("takes an author's edit without editedAt, and refuses editedAt from anyone: the server stamps it", () => {
    const { server, id } = serverWithComment();
    const edit = updateFrom(server, (c) => updateAnnotation(c, id, { body: "Second thoughts" }));
    expectOk(authorizeUpdate(server, edit, actor(alice, "annotator")));
    // Neither set, nor erased, nor dated at will: not by its author, not by a moderator.
    for (const value of [Date.now(), 1, null]) {
      const marked = updateFrom(server, (c) => annotationsOf(c).get(id)!.set("editedAt", value));
      expectRefused(authorizeUpdate(server, marked, actor(alice, "annotator")), /editedAt is set by the server/);
    }
    const byModerator = updateFrom(server, (c) => annotationsOf(c).get(id)!.set("editedAt", Date.now()));
    expectRefused(authorizeUpdate(server, byModerator, actor(bob, "moderator")), /editedAt|moderators may change only/);
    // Once the server has stamped it, deleting the stamp is refused as well.
    Y.applyUpdate(server, updateFrom(server, (c) => annotationsOf(c).get(id)!.set("editedAt", Date.now())));
    const erased = updateFrom(server, (c) => annotationsOf(c).get(id)!.delete("editedAt"));
    expectRefused(authorizeUpdate(server, erased, actor(alice, "annotator")), /editedAt is set by the server/);
    const made = updateFrom(server, (c) =>
      c.transact(() => {
        const fresh = createAnnotation(c, { kind: "comment", authorId: alice, body: "new" });
        annotationsOf(c).get(fresh)!.set("editedAt", 5);
      }),
    );
    expectRefused(authorizeUpdate(server, made, actor(alice, "annotator")), /editedAt is set by the server/);
  });

  it("keeps immutable fields immutable, for authors too", () => {
    const { server, id } = serverWithComment();
    for (const [field, value] of [["kind", "factcheck"], ["authorId", bob], ["createdAt", 1]] as const) {
      const update = updateFrom(server, (c) => annotationsOf(c).get(id)!.set(field, value));
      expectRefused(authorizeUpdate(server, update, actor(alice, "owner")), new RegExp(`${field} cannot change`));
    }
  });

  it("locks a published fact-check to all but moderators", () => {
    const server = new Y.Doc();
    const id = createAnnotation(server, {
      kind: "factcheck",
      authorId: alice,
      status: "published",
      factcheck: { claim: "c", verdict: "false", sources: [] },
    });
    const edit = updateFrom(server, (c) => updateAnnotation(c, id, { tags: ["late"] }));
    expectRefused(authorizeUpdate(server, edit, actor(alice, "annotator")), /locked/);
    expectOk(authorizeUpdate(server, edit, actor(alice, "moderator")));
  });

  it("refuses an author self-publishing a pending fact-check", () => {
    const { server, id } = serverWithComment("factcheck", "pending");
    const update = updateFrom(server, (c) => updateAnnotation(c, id, { status: "published" }));
    expectRefused(authorizeUpdate(server, update, actor(alice, "annotator")), /cannot set/);
  });
});

describe("authorizeUpdate: votes, notes and the unexpected", () => {
  it("lets members cast and withdraw only their own vote", () => {
    const { server, id } = serverWithComment();
    expectOk(authorizeUpdate(server, updateFrom(server, (c) => setVote(c, id, bob, "agree")), actor(bob, "annotator")));
    expectRefused(authorizeUpdate(server, updateFrom(server, (c) => setVote(c, id, alice, "agree")), actor(bob, "annotator")), /own vote/);
    const bogus = updateFrom(server, (c) => votesOf(c).set(voteKey(id, bob), "meh" as never));
    expectRefused(authorizeUpdate(server, bogus, actor(bob, "annotator")), /agree or disagree/);
    setVote(server, id, alice, "disagree");
    const withdraw = updateFrom(server, (c) => setVote(c, id, alice, null));
    expectRefused(authorizeUpdate(server, withdraw, actor(bob, "annotator")), /own vote/);
    expectOk(authorizeUpdate(server, withdraw, actor(alice, "annotator")));
  });

  it("lets annotators write the shared notes", () => {
    const server = new Y.Doc();
    const update = updateFrom(server, (c) => notesOf(c).insert(0, "Summary: two claims are false."));
    expectOk(authorizeUpdate(server, update, actor(bob, "annotator")));
    expectRefused(authorizeUpdate(server, update, actor(bob, "viewer")), /viewer/);
  });

  it("refuses unknown roots, nested types and garbage", () => {
    const server = new Y.Doc();
    expectRefused(authorizeUpdate(server, updateFrom(server, (c) => c.getMap("admin").set("x", 1)), actor(alice, "owner")), /unknown root/);
    const nested = updateFrom(server, (c) => {
      const id = createAnnotation(c, { kind: "comment", authorId: alice });
      annotationsOf(c).get(id)!.set("tags", new Y.Array() as never);
    });
    expectRefused(authorizeUpdate(server, nested, actor(alice, "annotator")), /plain value/);
    expectRefused(authorizeUpdate(server, new Uint8Array([1, 2, 3, 250, 255]), actor(alice, "owner")), /malformed/);
  });
});

describe("authorizeUpdate: assignment", () => {
  const carol = randomUUID();
  const assign = (server: Y.Doc, id: string) => updateFrom(server, (c) => updateAnnotation(c, id, { assignees: [bob, carol], dueAt: Date.UTC(2030, 0, 1) }));

  it("lets the author assign their own annotation, and a moderator anyone's", () => {
    const { server, id } = serverWithComment("factcheck", "pending");
    expectOk(authorizeUpdate(server, assign(server, id), actor(alice, "annotator")));
    expectOk(authorizeUpdate(server, assign(server, id), actor(bob, "moderator")));
    expectOk(authorizeUpdate(server, assign(server, id), actor(bob, "owner")));
  });

  it("refuses an annotator assigning someone else's annotation, and a viewer anything", () => {
    const { server, id } = serverWithComment("factcheck", "pending");
    expectRefused(authorizeUpdate(server, assign(server, id), actor(bob, "annotator")), /your own/);
    const due = updateFrom(server, (c) => updateAnnotation(c, id, { dueAt: 1 }));
    expectRefused(authorizeUpdate(server, due, actor(bob, "annotator")), /your own/);
    expectRefused(authorizeUpdate(server, assign(server, id), actor(alice, "viewer")), /viewer/);
  });

  it("refuses repeated, malformed or too many assignees", () => {
    const { server, id } = serverWithComment();
    for (const assignees of [[bob, bob], ["not-a-uuid"], Array.from({ length: 21 }, () => randomUUID())]) {
      const update = updateFrom(server, (c) => annotationsOf(c).get(id)!.set("assignees", assignees));
      expectRefused(authorizeUpdate(server, update, actor(alice, "owner")), /invalid assignees/);
    }
    const badDue = updateFrom(server, (c) => annotationsOf(c).get(id)!.set("dueAt", "tomorrow"));
    expectRefused(authorizeUpdate(server, badDue, actor(alice, "owner")), /invalid dueAt/);
  });

  it("keeps assignees out of private documents, on creation and later", () => {
    const own = actor(alice, "moderator", { room: { kind: "private", articleId, userId: alice } });
    const empty = new Y.Doc();
    const created = updateFrom(empty, (c) => createAnnotation(c, { kind: "comment", authorId: alice, assignees: [bob] }));
    expectRefused(authorizeUpdate(empty, created, own), /private document cannot be assigned/);
    const { server, id } = serverWithComment();
    expectRefused(authorizeUpdate(server, assign(server, id), own), /private document cannot be assigned/);
    expectOk(authorizeUpdate(server, updateFrom(server, (c) => updateAnnotation(c, id, { dueAt: 5 })), own));
  });

  it("takes a verdict reply as a comment, published without moderation", () => {
    const { server, id } = serverWithComment("factcheck", "pending");
    const answer = updateFrom(server, (c) =>
      createAnnotation(c, {
        kind: "comment",
        authorId: bob,
        parentId: id,
        status: "published",
        factcheck: { claim: "c", verdict: "mostly-false", sources: [{ url: "https://example.org/r", title: "Report" }] },
      }),
    );
    expectOk(authorizeUpdate(server, answer, actor(bob, "annotator")));
  });

  it("refuses keys a field's schema does not know, inside a fact-check, a source or a target, new or edited", () => {
    const server = new Y.Doc();
    const source = { url: "https://example.org/r", title: "Report" };
    const claims = [
      { claim: "c", verdict: "false", sources: [], claimFull: "x".repeat(1_000) },
      { claim: "c", verdict: "false", sources: [{ ...source, href: "javascript:alert(1)" }] },
    ];
    for (const factcheck of claims) {
      const made = updateFrom(server, (c) => createAnnotation(c, { kind: "factcheck", authorId: alice, status: "pending", factcheck: factcheck as never }));
      expectRefused(authorizeUpdate(server, made, actor(alice, "annotator")), /no field factcheck\.(claimFull|sources\[0\]\.href)/);
    }
    const { server: withComment, id } = serverWithComment();
    const edited = updateFrom(withComment, (c) => updateAnnotation(c, id, { factcheck: { claim: "c", verdict: "false", sources: [source], note: "mine" } as never }));
    expectRefused(authorizeUpdate(withComment, edited, actor(alice, "annotator")), /no field factcheck\.note/);
    const fine = updateFrom(server, (c) => createAnnotation(c, { kind: "factcheck", authorId: alice, status: "pending", factcheck: { claim: "c", verdict: "false", sources: [source] } }));
    expectOk(authorizeUpdate(server, fine, actor(alice, "annotator")));
  });

  it("refuses a verdict reply to a thread that is nowhere, made at once or added later, and takes one to a thread made with it", () => {
    const server = new Y.Doc();
    const factcheck = { claim: "c", verdict: "false" as const, sources: [] };
    const orphan = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: bob, parentId: "no-such-thread", status: "published", factcheck }));
    expectRefused(authorizeUpdate(server, orphan, actor(bob, "annotator")), /thread is not here/);

    // A plain reply may outlive its thread; a verdict may not be given to it afterwards.
    const plain = updateFrom(server, (c) => createAnnotation(c, { kind: "comment", authorId: bob, parentId: "no-such-thread", status: "published" }));
    expectOk(authorizeUpdate(server, plain, actor(bob, "annotator")));
    Y.applyUpdate(server, plain);
    const [id] = [...annotationsOf(server).keys()];
    const later = updateFrom(server, (c) => updateAnnotation(c, id!, { factcheck }));
    expectRefused(authorizeUpdate(server, later, actor(bob, "annotator")), /thread is not here/);

    const together = updateFrom(new Y.Doc(), (c) => {
      const root = createAnnotation(c, { kind: "comment", authorId: alice, body: "Is this right?" });
      createAnnotation(c, { kind: "comment", authorId: alice, parentId: root, status: "published", factcheck });
    });
    expectOk(authorizeUpdate(new Y.Doc(), together, actor(alice, "annotator")));

    // A thread deleted while its answer was written offline: taken, as replies that outlive their thread are.
    const { server: deletedThread, id: gone } = serverWithComment();
    Y.applyUpdate(deletedThread, updateFrom(deletedThread, (c) => deleteAnnotation(c, gone)));
    const late = updateFrom(deletedThread, (c) => createAnnotation(c, { kind: "comment", authorId: bob, parentId: gone, status: "published", factcheck }));
    expectOk(authorizeUpdate(deletedThread, late, actor(bob, "annotator")));

    // From a private document the thread is the group document's, which this process may not have loaded:
    // the answer is taken, and reaches the group only through a moderator.
    const privately = actor(bob, "annotator", { room: { kind: "private", articleId, userId: bob }, inGroup: () => null });
    const answer = updateFrom(new Y.Doc(), (c) => createAnnotation(c, { kind: "comment", authorId: bob, parentId: "a-thread-elsewhere", status: "pending", factcheck }));
    expectOk(authorizeUpdate(new Y.Doc(), answer, privately));
  });
});
