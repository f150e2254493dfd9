import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { z } from "zod";
import { BACKUP_FORMAT, BACKUP_VERSION, type BackupRecord, type Header, headerSchema, recordSchema } from "./format.ts";

/** What is wrong with a backup file, said for the person who gave it. */
export class BackupError extends Error {}

export type ReadRecord = { line: number; bytes: number; record: Header | BackupRecord };

/**
 * The records of a backup file, each checked against its schema as it is
 * read. gzip'd files are recognised by their magic bytes; plain JSON Lines
 * read as well.
 */
export async function* readBackupFile(file: string): AsyncGenerator<ReadRecord> {
  let line = 0;
  for await (const text of linesOf(file)) {
    line++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BackupError(line === 1 ? `${file} is not a Marginalia backup` : `line ${line}: not JSON`);
    }
    yield { line, bytes: text.length, record: line === 1 ? header(file, value) : parse(line, value) };
  }
  if (line === 0) throw new BackupError(`${file} is empty`);
}

function header(file: string, value: unknown): Header {
  const fields = (value ?? {}) as { format?: unknown; version?: unknown };
  if (typeof value !== "object" || fields.format !== BACKUP_FORMAT) throw new BackupError(`${file} is not a Marginalia backup`);
  if (typeof fields.version === "number" && fields.version !== BACKUP_VERSION) {
    throw new BackupError(`${file} is a version ${fields.version} backup; this Marginalia reads version ${BACKUP_VERSION}`);
  }
  return check(1, headerSchema, value);
}

function parse(line: number, value: unknown): BackupRecord {
  return check(line, recordSchema, value);
}

function check<S extends z.ZodType>(line: number, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const type = typeof (value as { type?: unknown } | null)?.type === "string" ? ` (${(value as { type: string }).type})` : "";
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new BackupError(`line ${line}${type}: ${where}${issue.message}`);
}

/**
 * Lines without holding the file, or a long line, as one string more than once. Split as bytes (a newline
 * byte is never part of a longer UTF-8 sequence), so that a line that is not UTF-8 is refused by number:
 * decoded, it would have held U+FFFD where its document kept what was written.
 */
async function* linesOf(file: string): AsyncGenerator<string> {
  const gzipped = await startsWithGzipMagic(file);
  const source = createReadStream(file);
  let input: Readable = source;
  if (gzipped) {
    input = source.pipe(createGunzip());
    source.on("error", (err) => input.destroy(err));
  }
  let line = 0;
  let pending: Buffer[] = [];
  const text = (): string => {
    const bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    line++;
    if (!isUtf8(bytes)) throw new BackupError(`line ${line}: not UTF-8 text`);
    return bytes.toString("utf8");
  };
  try {
    for await (const chunk of input) {
      const bytes = chunk as Buffer;
      let start = 0;
      for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, start)) {
        pending.push(bytes.subarray(start, at));
        yield text();
        start = at + 1;
      }
      if (start < bytes.length) pending.push(bytes.subarray(start));
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(`${file}: ${gzipped ? "the compressed data is damaged or cut short" : "cannot be read"} (${(err as Error).message})`);
  } finally {
    input.destroy();
    source.destroy();
  }
  if (pending.length) {
    const last = text();
    if (last !== "") yield last;
  }
}

async function startsWithGzipMagic(file: string): Promise<boolean> {
  let handle: FileHandle | null = null;
  try {
    handle = await open(file, "r");
    // A directory opens, and fails only here.
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new BackupError(`cannot read ${file}: ${why}`);
  } finally {
    await handle?.close();
  }
}
