/**
 * The engine's WebAssembly modules (scripts/build-wasm.ts embeds each as base64) and their instances.
 * Each instance gets memory of its own, never grown: growing would detach the typed views callers keep on it,
 * so a caller that needs more makes a new instance instead.
 */

/** The part of the WebAssembly JS API used here (the engine compiles without the DOM library, where TypeScript declares it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (module: object, imports: object) => { exports: object };
}
const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** An embedded module, compiled on first use and once per thread. */
export function embeddedWasm(base64: string): () => object {
  let compiled: object | null = null;
  return () => (compiled ??= new api.Module(Buffer.from(base64, 'base64')));
}

/**
 * An instance of `module` with at least `bytes` of memory of its own; `functions`: what else it imports
 * from `env` (JavaScript's own functions where a kernel must round as V8 does, e.g. Math.log).
 */
export function wasmInstance<E>(module: object, bytes: number, functions: Record<string, (...a: number[]) => number> = {}): { exports: E; buffer: ArrayBuffer } {
  const memory = new api.Memory({ initial: Math.ceil(bytes / 65536) });
  return { exports: new api.Instance(module, { env: { ...functions, memory } }).exports as E, buffer: memory.buffer };
}
