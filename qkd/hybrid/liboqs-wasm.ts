/**
 * Loading the Emscripten modules of `@oqs/liboqs-js` (liboqs as WebAssembly)
 * without the package's JS wrappers, which free the heap copies of secret keys
 * without zeroing them: `ml-kem-wasm.ts` and `ml-dsa-wasm.ts` bind the C API
 * themselves and zero every heap buffer that held a secret before freeing it.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProtocolError } from '../../common/index.js';

/** The parts of every liboqs-js Emscripten module that the bindings use. */
export interface OqsModuleBase {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  _OQS_init(): void;
  lengthBytesUTF8(s: string): number;
  stringToUTF8(s: string, ptr: number, max: number): void;
}

/** `dist/<file>` of the installed @oqs/liboqs-js (its exports map hides dist/, so it is found on the module paths). */
export function liboqsDistFile(file: string): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('@oqs/liboqs-js') ?? []) {
    const path = join(dir, '@oqs', 'liboqs-js', 'dist', file);
    if (existsSync(path)) return path;
  }
  throw new ProtocolError(`@oqs/liboqs-js is not installed (no dist/${file}); run npm install`);
}

/** A fresh, initialised instance of the Emscripten module `dist/<file>`. */
export async function instantiateLiboqs<M extends OqsModuleBase>(file: string): Promise<M> {
  const factory = ((await import(pathToFileURL(liboqsDistFile(file)).href)) as { default: () => Promise<M> }).default;
  const m = await factory();
  m._OQS_init();
  return m;
}

/** `name` as a NUL-terminated C string in the heap, passed to `use`, then freed. */
export function withCString<T>(m: OqsModuleBase, name: string, use: (ptr: number) => T): T {
  const len = m.lengthBytesUTF8(name) + 1;
  const ptr = m._malloc(len);
  m.stringToUTF8(name, ptr, len);
  try {
    return use(ptr);
  } finally {
    m._free(ptr);
  }
}
