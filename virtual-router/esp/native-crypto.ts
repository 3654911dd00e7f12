/**
 * Loads the ESP crypto addon `build/Release/qnfv_esp.node` (source
 * `virtual-router/esp/native/esp-crypto.c`, built by `npm run build:native`):
 * RFC 4106 AES-GCM-16 and RFC 3602 AES-CBC + RFC 4868 HMAC-SHA-256-128 sealed
 * and opened in place on OpenSSL's EVP API, with per-SA contexts keyed once.
 * The addon uses the OpenSSL that Node links statically, so it needs nothing
 * but libc and the node binary. Loaded once per thread (N-API instance).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, errorMessage } from '../../common/index.js';

/** An SA's native crypto context (opaque; keys live inside OpenSSL). */
export type NativeSaContext = object;

/** The addon's exports, as implemented in native/esp-crypto.c. */
export interface EspCryptoAddon {
  /** AES-GCM-16 context from key ‖ 4-byte salt (20 or 36 bytes); `esn` puts seq-high into the AAD. */
  gcmCreate(keyMaterial: Uint8Array, esn: boolean): NativeSaContext;
  /** AES-CBC (16/32-byte key) + HMAC-SHA-256-128 (32-byte key) context; `esn` appends seq-high to the ICV input. */
  cbcHmacCreate(encKey: Uint8Array, integKey: Uint8Array, esn: boolean): NativeSaContext;
  /** Encrypt `buf` from after the IV up to `icvStart` in place and write the 16-byte ICV there. */
  seal(ctx: NativeSaContext, buf: Uint8Array, espStart: number, icvStart: number, seqHi: number): void;
  /** Verify and decrypt in place; false leaves `buf` unchanged. */
  open(ctx: NativeSaContext, buf: Uint8Array, espStart: number, icvStart: number, seqHi: number): boolean;
  /** Free the context now; OpenSSL cleanses the key schedules. Idempotent; use afterwards throws. */
  dispose(ctx: NativeSaContext): void;
  /** The OpenSSL version string the addon runs on. */
  readonly opensslVersion: string;
}

/** Path of the addon relative to the project root. */
export const ESP_ADDON_RELATIVE_PATH = join('build', 'Release', 'qnfv_esp.node');

let cached: EspCryptoAddon | undefined;

/** The nearest folder at or above this file's folder that holds a package.json (sources and dist/ alike). */
function projectRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new PrerequisiteError(`no package.json found above ${start}; cannot locate ${ESP_ADDON_RELATIVE_PATH}`);
  }
}

/** Load the addon (once per thread); throws a PrerequisiteError that says how to build it. */
export function loadEspCryptoAddon(): EspCryptoAddon {
  if (cached !== undefined) return cached;
  const file = join(projectRoot(), ESP_ADDON_RELATIVE_PATH);
  if (!existsSync(file)) {
    throw new PrerequisiteError(`ESP crypto addon not built: ${file} is missing — run 'npm run build:native'`);
  }
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(file);
  } catch (err) {
    throw new PrerequisiteError(`ESP crypto addon ${file} does not load: ${errorMessage(err)} — rebuild it with 'npm run build:native'`);
  }
  const addon = loaded as Partial<EspCryptoAddon>;
  for (const fn of ['gcmCreate', 'cbcHmacCreate', 'seal', 'open', 'dispose'] as const) {
    if (typeof addon[fn] !== 'function') throw new PrerequisiteError(`ESP crypto addon ${file} has no ${fn}(): stale build? run 'npm run build:native'`);
  }
  const a = addon as EspCryptoAddon;
  // A plain object of fixed shape: the exports object N-API builds is slow to read properties from on
  // the per-packet path (V8 LoadIC showed up at ~2.5 % of router CPU).
  cached = { gcmCreate: a.gcmCreate, cbcHmacCreate: a.cbcHmacCreate, seal: a.seal, open: a.open, dispose: a.dispose, opensslVersion: a.opensslVersion };
  return cached;
}

/** The addon, or undefined (with the reason) when it cannot be loaded. */
export function tryLoadEspCryptoAddon(): { addon?: EspCryptoAddon; error?: string } {
  try {
    return { addon: loadEspCryptoAddon() };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
