export const SHARED_BUFFERS: string;
export function compilePglite(): Promise<{ wasmModule: WebAssembly.Module | undefined; note: string | undefined }>;
