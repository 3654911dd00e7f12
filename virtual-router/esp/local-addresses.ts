/**
 * The router's own tunnel addresses, IPv4 and IPv6: ESP to one of them is
 * inbound, and an SA whose tunnel remote is one of them is an inbound SA.
 */
import { parseIpv4 } from './ipv4-packet.js';
import { ipv6AddressEquals, isIpv6Text, parseIpv6 } from './ipv6-packet.js';

/** A set of local addresses with per-packet lookups that do not allocate. */
export class LocalAddresses {
  private readonly v4 = new Set<number>();
  private readonly v6: Uint32Array[] = [];

  /** Parse `texts`; ValidationError names the entry (`field[i]`) that is not an address. */
  constructor(texts: readonly string[], field = 'localAddresses') {
    texts.forEach((t, i) => {
      if (isIpv6Text(t)) this.v6.push(parseIpv6(t, `${field}[${i}]`));
      else this.v4.add(parseIpv4(t, `${field}[${i}]`));
    });
  }

  /** Whether the address `text` (any spelling; ValidationError naming `field` when it is none) is ours. */
  hasText(text: string, field = 'address'): boolean {
    return isIpv6Text(text) ? this.has6(parseIpv6(text, field)) : this.has4(parseIpv4(text, field));
  }

  /** Whether the IPv4 address (unsigned 32-bit) is ours. */
  has4(addr: number): boolean {
    return this.v4.has(addr);
  }

  /** Whether the IPv6 address (four words) is ours. */
  has6(words: Uint32Array): boolean {
    return this.v6.some((w) => w[0] === words[0] && w[1] === words[1] && w[2] === words[2] && w[3] === words[3]);
  }

  /** Whether the IPv6 address at `buf[off, off+16)` is ours. */
  has6At(buf: Buffer, off: number): boolean {
    for (const w of this.v6) if (ipv6AddressEquals(buf, off, w)) return true;
    return false;
  }
}
