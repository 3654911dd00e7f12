/**
 * The SAD (RFC 4301 §4.4.2), as strongSwan's `ipsec_sa_mgr.c`: inbound SAs
 * keyed by SPI (RFC 4301 §4.1: a unicast SA is identified by its SPI), outbound
 * SAs found from an SPD entry by reqid. During a rekey two outbound SAs share a
 * reqid (make-before-break): the newest installed one whose selector matches
 * carries the traffic, while inbound accepts both until the old one is deleted.
 * It also knows the UDP ports that inbound ESP-in-UDP SAs listen on (RFC 3948).
 */
import { ConflictError } from '../../common/index.js';
import type { FlowKey } from './ipv4-packet.js';
import type { SecurityAssociation } from './security-association.js';
import { selectorMatches } from './traffic-selector.js';

/** Security Association Database of one engine. */
export class SaTable {
  private readonly byName = new Map<string, SecurityAssociation>();
  private readonly inboundBySpi = new Map<number, SecurityAssociation>();
  private readonly outboundBySpi = new Map<number, SecurityAssociation>();
  /** Outbound SAs per reqid, oldest first. */
  private readonly outboundByReqid = new Map<bigint, SecurityAssociation[]>();
  /** UDP destination ports of inbound ESP-in-UDP SAs (RFC 3948), with how many SAs use each. */
  private readonly udpPorts = new Map<number, number>();

  /** Install; throws ConflictError on a duplicate name or a duplicate SPI in the same direction. */
  add(sa: SecurityAssociation): void {
    if (this.byName.has(sa.name)) throw new ConflictError(`sad-entry '${sa.name}' is already installed`);
    const bySpi = sa.direction === 'inbound' ? this.inboundBySpi : this.outboundBySpi;
    const other = bySpi.get(sa.spi);
    if (other) {
      throw new ConflictError(`${sa.direction} SPI 0x${sa.spi.toString(16)} is already used by sad-entry '${other.name}'`);
    }
    this.byName.set(sa.name, sa);
    bySpi.set(sa.spi, sa);
    if (sa.direction === 'inbound' && sa.udpEncap !== null) {
      this.udpPorts.set(sa.udpEncap.dport, (this.udpPorts.get(sa.udpEncap.dport) ?? 0) + 1);
    }
    if (sa.direction === 'outbound') {
      const list = this.outboundByReqid.get(sa.reqid);
      if (list) list.push(sa);
      else this.outboundByReqid.set(sa.reqid, [sa]);
    }
  }

  /** Remove by name and return the SA (the caller disposes of it), or undefined. */
  remove(name: string): SecurityAssociation | undefined {
    const sa = this.byName.get(name);
    if (!sa) return undefined;
    this.byName.delete(name);
    if (sa.direction === 'inbound') {
      this.inboundBySpi.delete(sa.spi);
      if (sa.udpEncap !== null) {
        const n = (this.udpPorts.get(sa.udpEncap.dport) ?? 1) - 1;
        if (n > 0) this.udpPorts.set(sa.udpEncap.dport, n);
        else this.udpPorts.delete(sa.udpEncap.dport);
      }
    } else {
      this.outboundBySpi.delete(sa.spi);
      const list = this.outboundByReqid.get(sa.reqid);
      if (list) {
        const i = list.indexOf(sa);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.outboundByReqid.delete(sa.reqid);
      }
    }
    return sa;
  }

  /** The SA with this name. */
  get(name: string): SecurityAssociation | undefined {
    return this.byName.get(name);
  }

  /** The inbound SA with this SPI. */
  inbound(spi: number): SecurityAssociation | undefined {
    return this.inboundBySpi.get(spi);
  }

  /** Whether UDP to this destination port carries ESP for an inbound SA (RFC 3948). */
  isUdpEncapPort(port: number): boolean {
    return this.udpPorts.has(port);
  }

  /** The newest outbound SA with `reqid` whose selector covers the packet, or undefined. */
  outboundFor(reqid: bigint, key: FlowKey): SecurityAssociation | undefined {
    const list = this.outboundByReqid.get(reqid);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      if (selectorMatches(list[i].selector, key)) return list[i];
    }
    return undefined;
  }

  /** Every installed SA, in installation order. */
  all(): IterableIterator<SecurityAssociation> {
    return this.byName.values();
  }

  /** Number of installed SAs. */
  get size(): number {
    return this.byName.size;
  }
}
