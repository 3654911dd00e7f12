/**
 * Byte-string helpers shared by the codecs: plain hex and YANG `hex-string`
 * (RFC 6991: colon-separated octets, e.g. `0a:1b:ff`), and zeroing.
 */
import { ValidationError } from './errors.js';

/** Lowercase hex of bytes, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Bytes from a hex string (even length, hex digits only). `field` names the input in errors. */
export function fromHex(hex: string, field = 'hex'): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ValidationError(`${field} is not an even-length hex string`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** RFC 6991 `yang:hex-string`: colon-separated lowercase octets. */
export function toYangHexString(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parse a `yang:hex-string` (`0a:1b:ff`); `field` names the input in errors. */
export function fromYangHexString(s: string, field = 'hex-string'): Uint8Array {
  const t = s.trim();
  if (t === '') return new Uint8Array(0);
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*$/.test(t)) {
    throw new ValidationError(`${field} is not a yang:hex-string (colon-separated octets)`);
  }
  return new Uint8Array(t.split(':').map((o) => parseInt(o, 16)));
}

/** Overwrite secret bytes with zeros (call in `finally`). */
export function zeroize(...buffers: (Uint8Array | undefined | null)[]): void {
  for (const b of buffers) b?.fill(0);
}
