export const LOCK_FILE: string;
export function prepareDataDir(dataDir: string, create: (dir: string) => Promise<{ close(): Promise<void> }>): Promise<void>;
export function strangersIn(dataDir: string): string | null;
