import { describe, expect, it } from "vitest";
import { ProjectionError, RefusedAtCommit, UpdateNotStoredError, articleGone, classifyCommitError, closeForNotStored, errorCode, notStored, refusedAlone, refusedByServer, staleMemberId, unstorableContent, writerRefused } from "./commit-errors.ts";

/** An error as postgres.js or PGlite raises it, with its SQLSTATE or driver code. */
const coded = (code: string, message = `error ${code}`) => Object.assign(new Error(message), { code });
/** As Drizzle wraps it: the driver's error is the cause. */
const wrapped = (cause: unknown) => Object.assign(new Error("Failed query: insert into doc_updates …"), { cause });

describe("classifyCommitError", () => {
  it.each([
    ["23503", "foreign key violation (a deleted article)"],
    ["23505", "unique violation"],
    ["23514", "check violation"],
    ["22P02", "invalid text representation"],
    ["22008", "datetime field overflow"],
    ["42P01", "undefined table"],
    ["42703", "undefined column"],
    ["54000", "program limit exceeded"],
  ])("drops an update the database refuses for what it is: %s, %s", (code) => {
    expect(classifyCommitError(coded(code))).toBe("permanent");
    expect(classifyCommitError(wrapped(coded(code)))).toBe("permanent");
  });

  it.each([
    ["ECONNREFUSED"],
    ["ECONNRESET"],
    ["ETIMEDOUT"],
    ["CONNECTION_CLOSED"],
    ["CONNECTION_ENDED"],
    ["CONNECT_TIMEOUT"],
    ["08006"],
    ["08001"],
    ["40001"],
    ["40P01"],
    // A lock held past the commit's lock_timeout (db.ts): the database is busy, not the update at fault.
    ["55P03"],
    ["57P01"],
    ["57P02"],
    ["57P03"],
    ["53300"],
    ["53100"],
  ])("retries what a database that is away or busy answers: %s", (code) => {
    expect(classifyCommitError(coded(code))).toBe("transient");
    expect(classifyCommitError(wrapped(coded(code)))).toBe("transient");
  });

  it("retries a connection to the embedded database's socket once it is gone, and no other missing file", () => {
    // As Node's net module raises it when the socket file was removed (the database closing under a request).
    const gone = Object.assign(new Error("connect ENOENT /tmp/marginalia-db-x/.s.PGSQL.5432"), { code: "ENOENT", syscall: "connect" });
    expect(classifyCommitError(gone)).toBe("transient");
    expect(classifyCommitError(wrapped(gone))).toBe("transient");
    expect(classifyCommitError(Object.assign(new Error("open ENOENT /app/web/index.html"), { code: "ENOENT", syscall: "open" }))).toBe("unknown");
  });

  it("drops an update whose statement could not be built: the same update overflows the stack every time", () => {
    expect(classifyCommitError(new RangeError("Maximum call stack size exceeded"))).toBe("permanent");
    expect(classifyCommitError(wrapped(new RangeError("Maximum call stack size exceeded")))).toBe("permanent");
  });

  it("drops an update whose projection could not be built", () => {
    expect(classifyCommitError(new ProjectionError(new RangeError("Invalid time value")))).toBe("permanent");
  });

  it("leaves what it does not know as unknown, for the committer to judge by what else got through", () => {
    expect(classifyCommitError(new Error("PGlite is closed"))).toBe("unknown");
    expect(classifyCommitError(wrapped(new Error("something odd")))).toBe("unknown");
    expect(classifyCommitError(coded("XX000", "internal error"))).toBe("unknown");
    expect(classifyCommitError(undefined)).toBe("unknown");
    expect(classifyCommitError(coded("not-a-code"))).toBe("unknown");
  });

  it("reads the innermost code through the wrappers, for logs", () => {
    expect(errorCode(wrapped(coded("23503")))).toBe("23503");
    expect(errorCode(new Error("plain"))).toBeUndefined();
  });

  it("keeps why an update was not stored, and its document, on the error", () => {
    const err = new UpdateNotStoredError("refused", "article:x", "the update could not be stored", { cause: coded("23503") });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ reason: "refused", docName: "article:x", name: "UpdateNotStoredError" });
    expect(errorCode(err)).toBe("23503");
  });

  it("tells a foreign key to a deleted article or group from other refusals", () => {
    const fk = (constraint: string, named: object) =>
      Object.assign(coded("23503", `insert or update on table "annotations" violates foreign key constraint "${constraint}"`), named);
    expect(articleGone(wrapped(fk("annotations_article_id_articles_id_fk", { constraint_name: "annotations_article_id_articles_id_fk" })))).toBe(true);
    expect(articleGone(wrapped(fk("annotations_group_id_groups_id_fk", { constraint: "annotations_group_id_groups_id_fk" })))).toBe(true);
    expect(articleGone(fk("annotations_article_id_articles_id_fk", {}))).toBe(true);
    expect(articleGone(wrapped(fk("doc_updates_user_id_users_id_fk", {})))).toBe(false);
    expect(articleGone(wrapped(coded("23505", 'duplicate key value violates unique constraint "annotations_article_id_articles_id_fk"')))).toBe(false);
    expect(articleGone(new Error("plain"))).toBe(false);
  });

  it("tells a write under a member id since drawn again from other refusals, and closes its socket with 4409", () => {
    const stale = coded("23514", "member id 6f1c0a4e-0000-4000-8000-000000000001 of group 6f1c0a4e-0000-4000-8000-000000000002 is no longer current");
    expect(classifyCommitError(wrapped(stale))).toBe("permanent");
    expect(staleMemberId(wrapped(stale))).toBe(true);
    expect(staleMemberId(wrapped(coded("23514", 'new row violates check constraint "x"')))).toBe(false);
    expect(closeForNotStored(notStored("renamed", { context: { docName: "article:x" } }))).toEqual([4409, "the group's member ids changed"]);
  });

  it("tells a writer who lost the role an update needs from other refusals, and closes its socket with 4403", () => {
    const lacking = coded("23514", "writer 6f1c0a4e-0000-4000-8000-000000000001 of group 6f1c0a4e-0000-4000-8000-000000000002 no longer holds the moderator role");
    expect(classifyCommitError(wrapped(lacking))).toBe("permanent");
    expect(writerRefused(wrapped(lacking))?.reason).toBe("forbidden");
    expect(writerRefused(wrapped(coded("23514", "member id a of group b is no longer current")))?.reason).toBe("renamed");
    expect(writerRefused(wrapped(coded("23514", 'new row violates check constraint "x"')))).toBeNull();
    expect(closeForNotStored(notStored("forbidden", { context: { docName: "article:x" } }))).toEqual([4403, "your role no longer allows this"]);
    expect(refusedByServer(notStored("forbidden", { context: { docName: "article:x" } }))).toBe(true);
  });

  it("counts as refused only an update refused for its content or its writer, not one a stop, a reload or a deletion left unstored", () => {
    const source = { context: { docName: "article:x" } };
    expect(refusedByServer(notStored("refused", source))).toBe(true);
    expect(refusedByServer(notStored("renamed", source))).toBe(true);
    for (const reason of ["shutdown", "reloaded", "gone"] as const) expect(refusedByServer(notStored(reason, source))).toBe(false);
    expect(refusedByServer(new Error("unexpected"))).toBe(false);
  });

  it("tells a value the database cannot hold from other refusals: that costs its own annotations, not a reload", () => {
    expect(unstorableContent(wrapped(coded("22003", '"1e-300" is out of range for type real')))).toBe(true);
    expect(unstorableContent(wrapped(coded("22008", "date/time field value out of range")))).toBe(true);
    expect(unstorableContent(wrapped(coded("54000", "index row size exceeds maximum")))).toBe(true);
    expect(unstorableContent(new ProjectionError(new RangeError("Invalid time value")))).toBe(true);
    expect(unstorableContent(wrapped(coded("23505", "duplicate key")))).toBe(false);
    expect(unstorableContent(wrapped(coded("P0001", "annotation id x belongs to another article or author")))).toBe(false);
    expect(unstorableContent(wrapped(coded("ECONNRESET")))).toBe(false);
    expect(unstorableContent(new Error("plain"))).toBe(false);
  });

  it("tells which refusals may cost an update only its own new annotations, and whether for its writer", () => {
    expect(refusedAlone(wrapped(coded("22003", "out of range")))).toEqual({ reason: "refused", writer: false });
    expect(refusedAlone(wrapped(coded("23514", "writer a of group b no longer holds the annotator role")))).toEqual({ reason: "forbidden", writer: true });
    expect(refusedAlone(wrapped(new RefusedAtCommit("annotation x is a published fact-check, locked to its moderators")))).toEqual({ reason: "refused", writer: true });
    // A member id drawn again concerns every socket of the group, and a deleted article every socket of it.
    expect(refusedAlone(wrapped(coded("23514", "member id a of group b is no longer current")))).toBeNull();
    expect(refusedAlone(wrapped(coded("23503", "foreign key")))).toBeNull();
    expect(refusedAlone(wrapped(coded("23505", "duplicate key")))).toBeNull();
  });
});
