// The bench's own Postgres database, made for one run and dropped at its end.
import postgres from "postgres";

export async function prepareDatabase(log: (...m: unknown[]) => void): Promise<{ url: string | undefined; drop: () => Promise<void>; note: string }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL, drop: async () => {}, note: "BENCH_DATABASE_URL" };
  const name = `marginalia_bench_${process.pid}`;
  const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    log("no Postgres on 127.0.0.1:5432 (" + (err as Error).message + "): Marginalia on PGlite only, Hocuspocus skipped");
    return { url: undefined, drop: async () => {}, note: "none reachable: Marginalia on its embedded database only, Hocuspocus skipped (it needs Postgres)" };
  }
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    note: `fresh database ${name} on 127.0.0.1:5432, dropped at the end`,
    drop: async () => {
      const a = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`).catch((e) => log("could not drop", name, e.message));
      await a.end();
    },
  };
}

export async function postgresVersion(url: string | undefined): Promise<string> {
  if (!url) return "PGlite";
  const q = postgres(url, { max: 1, onnotice: () => {} });
  const [v] = await q`show server_version`;
  await q.end();
  return String(v?.server_version ?? "?");
}
