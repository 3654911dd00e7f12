/**
 * Loads the native TUN addon `build/Release/qnfv_tun.node` (source
 * `virtual-router/tun/native/tun.c`, built by `npm run build:native`) and
 * describes its API. The project root is the nearest folder above this file
 * that holds a package.json, so the same code works from the sources (ts-jest)
 * and compiled under `dist/`. Linux only.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, errorMessage } from '../../common/index.js';

/** The addon's exports, as implemented in native/tun.c. */
export interface TunAddon {
  /** Open /dev/net/tun and TUNSETIFF `name` with IFF_TUN | IFF_NO_PI; the fd is non-blocking and close-on-exec. */
  open(name: string): { fd: number; name: string };
  /** poll() up to timeoutMs, then read the ready packets into bufs[i] at offset; returns the count. */
  readBatch(
    fd: number,
    bufs: readonly Uint8Array[],
    offset: number,
    lens: Uint32Array,
    timeoutMs: number,
    counters?: Uint32Array,
  ): number;
  /** Write bufs[i][offsets[i] .. +lens[i]) for i < count; returns how many were consumed. */
  writeBatch(
    fd: number,
    bufs: readonly Uint8Array[],
    offsets: Uint32Array,
    lens: Uint32Array,
    count: number,
    counters?: Uint32Array,
  ): number;
  /** As readBatch, but packet i goes to `memory[i * slotSize + offset, + space)` for i < count (one buffer, no views). */
  readSlots(
    fd: number,
    memory: Uint8Array,
    slotSize: number,
    offset: number,
    space: number,
    count: number,
    lens: Uint32Array,
    timeoutMs: number,
    counters?: Uint32Array,
  ): number;
  /** As writeBatch, but packet i is `memory[starts[i], + lens[i])`. */
  writeSlots(fd: number, memory: Uint8Array, starts: Uint32Array, lens: Uint32Array, count: number, counters?: Uint32Array): number;
  /** Close the fd. */
  close(fd: number): void;
  /** Most packets per readBatch/writeBatch call. */
  readonly maxBatch: number;
}

/** Index in the counters array: packets readBatch dropped because they did not fit. */
export const COUNTER_READ_TRUNCATED = 0;
/** Index in the counters array: packets writeBatch had refused by the kernel (EINVAL). */
export const COUNTER_WRITE_REJECTED = 1;

/** Path of the addon relative to the project root. */
export const ADDON_RELATIVE_PATH = join('build', 'Release', 'qnfv_tun.node');

let cached: TunAddon | undefined;

/** The nearest folder at or above `fromUrl`'s folder that holds a package.json. */
export function findProjectRoot(fromUrl: string = import.meta.url): string {
  const start = dirname(fileURLToPath(fromUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) {
      throw new PrerequisiteError(`no package.json found above ${start}; cannot locate ${ADDON_RELATIVE_PATH}`);
    }
  }
}

/** Load the addon (once per process) from `path`, default `<project root>/build/Release/qnfv_tun.node`. */
export function loadTunAddon(path?: string): TunAddon {
  if (path === undefined && cached !== undefined) return cached;
  const file = path ?? join(findProjectRoot(), ADDON_RELATIVE_PATH);
  if (!existsSync(file)) {
    throw new PrerequisiteError(
      `TUN addon not built: ${file} is missing — run 'npm run build:native' (npm install and npm rebuild also build it)`,
    );
  }
  let loaded: unknown;
  try {
    loaded = createRequire(import.meta.url)(file);
  } catch (err) {
    throw new PrerequisiteError(
      `TUN addon ${file} does not load: ${errorMessage(err)} — rebuild it for this Node with 'npm run build:native'`,
    );
  }
  const addon = loaded as Partial<TunAddon>;
  for (const fn of ['open', 'readBatch', 'writeBatch', 'readSlots', 'writeSlots', 'close'] as const) {
    if (typeof addon[fn] !== 'function') {
      throw new PrerequisiteError(`TUN addon ${file} has no ${fn}(): stale build? run 'npm run build:native'`);
    }
  }
  if (path === undefined) cached = addon as TunAddon;
  return addon as TunAddon;
}
