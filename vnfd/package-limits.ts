/**
 * Size limits that keep a package archive from exhausting memory (archive bombs: a small gzip or
 * zip that inflates to gigabytes, or millions of entries). Issue 4 asks for configurable limits;
 * the defaults are in constants.ts. A limit is checked before the bytes it guards are produced.
 */
import { DEFAULT_PACKAGE_LIMITS } from './constants.js';

/** Limits for reading one package. */
export interface PackageLimits {
  /** Bytes of the archive file or upload itself. */
  maxArchiveBytes: number;
  /** Bytes once unpacked. */
  maxUnpackedBytes: number;
  /** Entries in the archive or folder. */
  maxEntries: number;
  /** Largest unpacked/packed ratio (whole tar.gz, or one zip entry) above `ratioFloorBytes` unpacked. */
  maxCompressionRatio: number;
  /** Unpacked size below which the ratio is not checked. */
  ratioFloorBytes: number;
}

/** The defaults, overridden by what `partial` sets. */
export function packageLimits(partial: Partial<PackageLimits> = {}): PackageLimits {
  return { ...DEFAULT_PACKAGE_LIMITS, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
}

/** A problem message when `unpacked` bytes from `packed` bytes exceed the ratio limit, else undefined. */
export function checkRatio(unpacked: number, packed: number, limits: PackageLimits, what = 'the archive'): string | undefined {
  if (unpacked <= limits.ratioFloorBytes) return undefined;
  const ratio = packed === 0 ? Infinity : unpacked / packed;
  if (ratio <= limits.maxCompressionRatio) return undefined;
  return `${what} unpacks ${mib(packed)} into ${mib(unpacked)} (ratio ${Number.isFinite(ratio) ? Math.round(ratio) : '∞'}:1, limit ${limits.maxCompressionRatio}:1); refused as a possible archive bomb`;
}

/** Bytes for messages: `12.3 MiB`, or `512 bytes`. */
export function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
