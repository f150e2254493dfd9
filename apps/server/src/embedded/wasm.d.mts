export const SHARED_BUFFERS: string;
export function compilePglite(): Promise<{ wasmModule: WebAssembly.Module | undefined; note: string | undefined }>;
export const SESSION_SETTINGS: Record<string, string>;
export function limitSessionMemory(db: { exec(sql: string): Promise<unknown> }): Promise<void>;
