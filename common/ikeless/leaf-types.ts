/**
 * Lexical forms of the leaf types RFC 9061's `ietf-i2nsf-ikeless` uses: YANG
 * built-ins (RFC 7950 §9: uintN, boolean, enumeration, union, string) and the
 * RFC 6991 typedefs `inet:ip-prefix`, `inet:ip-address`, `inet:port-number`,
 * `inet:dscp`, `yang:hex-string`. A value is checked and put in canonical
 * form (no sign or leading zeros, lowercase hex). Error texts describe what is
 * expected and never repeat the value, so a misplaced key cannot leak.
 * Caveat: IP addresses are checked, not canonicalised (RFC 5952 is not applied).
 */
import { isIPv6 } from 'node:net';

/** One leaf type; `label` is the YANG type name used in messages. */
export type LeafType =
  | { kind: 'string' }
  | { kind: 'uint'; bits: 8 | 16 | 32 | 64; max: bigint; label: string }
  | { kind: 'boolean' }
  | { kind: 'enumeration'; names: readonly string[] }
  | { kind: 'inner-protocol' }
  | { kind: 'hex-string' }
  | { kind: 'ip-prefix' }
  | { kind: 'ip-address' };

/** An unsigned integer type with an optional narrower upper bound. */
export function uintType(bits: 8 | 16 | 32 | 64, label = `uint${bits}`, max = (1n << BigInt(bits)) - 1n): LeafType {
  return { kind: 'uint', bits, max, label };
}

/** An enumeration of names. */
export function enumType(...names: string[]): LeafType {
  return { kind: 'enumeration', names };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ZONE = /^[\p{N}\p{L}]+$/u;
const HEX_STRING = /^([0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*)?$/;
const UINT = /^\+?\d+$/;

/** Result of checking one value: its canonical form, or why it is invalid. */
export type LeafCheck = { ok: true; value: string } | { ok: false; message: string };

/** Check a lexical value against its type and return its canonical form. */
export function checkLeaf(type: LeafType, value: string): LeafCheck {
  switch (type.kind) {
    case 'string':
      return { ok: true, value };
    case 'uint':
      return checkUint(type.max, type.label, value);
    case 'boolean':
      return value === 'true' || value === 'false' ? { ok: true, value } : { ok: false, message: 'must be true or false' };
    case 'enumeration':
      return type.names.includes(value) ? { ok: true, value } : { ok: false, message: `must be one of ${type.names.join(', ')}` };
    case 'inner-protocol': {
      if (value === 'any') return { ok: true, value };
      const n = checkUint(255n, 'uint8', value);
      return n.ok ? n : { ok: false, message: 'must be a protocol number 0..255 or any' };
    }
    case 'hex-string':
      return HEX_STRING.test(value)
        ? { ok: true, value: value.toLowerCase() }
        : { ok: false, message: 'must be a yang:hex-string (colon-separated octets)' };
    case 'ip-prefix':
      return isIpPrefix(value) ? { ok: true, value } : { ok: false, message: 'must be an inet:ip-prefix (address/length)' };
    case 'ip-address':
      return isIpAddress(value) ? { ok: true, value } : { ok: false, message: 'must be an inet:ip-address' };
  }
}

/** Digits a double holds exactly (10^15 < 2^53): such values need no BigInt, and most leaves are small. */
const EXACT_DIGITS = 15;

function checkUint(max: bigint, label: string, value: string): LeafCheck {
  if (UINT.test(value)) {
    const digits = value.charCodeAt(0) === 0x2b /* + */ ? value.length - 1 : value.length;
    if (digits <= EXACT_DIGITS) {
      // Exact: n < 2^53, and Number(max) is max itself below 2^53 and at least 2^53 above it.
      const n = Number(value);
      if (n <= Number(max)) return { ok: true, value: String(n) };
    } else {
      const n = BigInt(value);
      if (n <= max) return { ok: true, value: n.toString() };
    }
  }
  return { ok: false, message: `must be an integer 0..${max} (${label})` };
}

function isIpAddress(s: string): boolean {
  const i = s.indexOf('%');
  const addr = i < 0 ? s : s.slice(0, i);
  if (i >= 0 && !ZONE.test(s.slice(i + 1))) return false;
  return IPV4.test(addr) || (isIPv6(addr) && !addr.includes('%'));
}

function isIpPrefix(s: string): boolean {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(s);
  if (!m) return false;
  const len = Number(m[2]);
  if (IPV4.test(m[1]!)) return len <= 32;
  return isIPv6(m[1]!) && !m[1]!.includes('%') && len <= 128;
}

/** How RFC 7951 §6 writes a value of this type in JSON. */
export function jsonKind(type: LeafType): 'number' | 'string' | 'boolean' | 'union' {
  switch (type.kind) {
    case 'uint':
      return type.bits === 64 ? 'string' : 'number';
    case 'boolean':
      return 'boolean';
    case 'inner-protocol':
      return 'union';
    default:
      return 'string';
  }
}
