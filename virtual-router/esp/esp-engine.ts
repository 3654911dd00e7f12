/**
 * The userspace ESP data plane of the virtual router (RFC 4301 §5 processing,
 * RFC 4303 tunnel mode), after strongSwan's `ipsec_processor.c`: it knows
 * nothing of sockets or TUN, takes a PacketBatch of IPv4 and IPv6 packets read
 * from the router's TUN and leaves a verdict per slot: write the result back, or
 * drop with a reason (every drop is counted and logged at debug). Inner and
 * outer packets may be of either family (the outer one is the SA's).
 *
 * Per packet:
 *   1. Parse the IPv4 header, or the IPv6 header and its extension headers (malformed otherwise).
 *   2. Protocol 50 to one of our tunnel addresses → inbound (UDP to an ESP-in-UDP port:
 *      keepalive / non-ESP marker → not-esp, else the same after the UDP header, RFC 3948):
 *      SPI → SA (bad-spi) → same encapsulation as the SA (policy-mismatch) → ESN inference and replay check (replay/too-old) →
 *      ICV and decrypt (auth-failed) → window update → trailer (bad-padding) →
 *      inner IPv4 or IPv6 (Next Header 4 or 41) → SA selector (policy-mismatch) → Decrypted.
 *      An outer fragment is malformed: there is no reassembly.
 *   3. Anything else → outbound SPD, first match (no-policy):
 *      discard (discard-policy) | bypass → Bypassed |
 *      protect → newest outbound SA of the reqid (no-sa, `sadb-acquire`) →
 *      next sequence number (seq-overflow, `sadb-seq-overflow`) → encapsulate → Encrypted.
 *   4. Account packets/bytes; a reached soft/hard lifetime raises `sadb-expire`
 *      (hard also removes the SA). Events are delivered after the batch.
 */
import { createLogger, type Logger } from '../../common/index.js';
import type { IkelessNotification, SadEntry, SadEntryState, SpdEntry, TrafficSelector } from '../../common/ikeless/types.js';
import {
  DEFAULT_ACQUIRE_INTERVAL_MS,
  DEFAULT_BAD_SPI_INTERVAL_MS,
  ESP_HEADER_LEN,
  IPPROTO_ESP,
  IPPROTO_UDP,
  IPV4_FRAG_OFFSET_MASK,
  NEXT_HEADER_IPV4,
  NEXT_HEADER_IPV6,
  UDP_HEADER_LEN,
} from './constants.js';
import { transformFactory, type CryptoChoice, type TransformFactory } from './crypto-backend.js';
import { DROP_REASON_NAMES, DropReason, Verdict, type DropReasonName } from './drop-reason.js';
import { encapsulateTunnel, espHeadroom, espSeqLow, espSpi, espTailroom, readEspTrailer } from './esp-packet.js';
import {
  formatIpv4,
  ipv4Destination,
  ipv4HeaderLength,
  ipv4IsFragment,
  ipv4Protocol,
  newFlowKey,
  readFlowKey,
  validIpv4Length,
  type FlowKey,
  type OuterHeaderFields,
} from './ipv4-packet.js';
import { formatIpv6, ipv6DestinationOffset, ipv6Upper, newIpv6Upper, readFlowKey6, validIpv6Length, type Ipv6HeaderFields } from './ipv6-packet.js';
import { LocalAddresses } from './local-addresses.js';
import type { PacketBatch } from './packet-batch.js';
import { PolicyTable, type Policy } from './policy-table.js';
import { ReplayCheck } from './replay-window.js';
import { SaTable } from './sa-table.js';
import { SecurityAssociation, type SaCounters } from './security-association.js';
import { selectorMatches } from './traffic-selector.js';
import { classifyUdpPayload, udpDestinationPort, udpEncapLength, udpLength, UdpPayloadKind } from './udp-encap.js';

/** Construction options of an EspEngine. */
export interface EspEngineOptions {
  /** The router's own tunnel addresses: ESP to these is inbound, SAs towards them are inbound SAs. */
  localAddresses: string[];
  /** Receives `sadb-expire`, `sadb-acquire`, `sadb-seq-overflow`, `sadb-bad-spi`, after each batch/tick. */
  onEvent?: (event: IkelessNotification) => void;
  /** Clock in ms (default Date.now); read once per batch. */
  now?: () => number;
  logger?: Logger;
  /** Minimum interval between two `sadb-acquire` for one SPD entry. */
  acquireIntervalMs?: number;
  /** Minimum interval between two `sadb-bad-spi`, engine-wide. */
  badSpiIntervalMs?: number;
  /** Packet crypto: `auto` (default) uses the native addon when it loads, else node:crypto. */
  crypto?: CryptoChoice;
}

/** Engine-wide counters. */
export interface EngineCounters {
  encrypted: number;
  decrypted: number;
  bypassed: number;
  drops: Record<DropReasonName, number>;
}

/** One SA as listed by `listSas`. */
export interface SaInfo {
  name: string;
  spi: number;
  reqid: bigint;
  direction: 'inbound' | 'outbound';
  extSeqNum: boolean;
  counters: SaCounters;
  state: SadEntryState;
}

/** Options of `addSa`. */
export interface AddSaOptions {
  /** Outbound counter to continue from (last sequence number used), e.g. restored state. */
  seqNumberCounter?: bigint;
}

/** The ESP engine: SAD, SPD and the batch packet processor. */
export class EspEngine {
  private readonly local: LocalAddresses;
  private readonly sad = new SaTable();
  private readonly spd = new PolicyTable();
  private readonly onEvent?: (event: IkelessNotification) => void;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly acquireIntervalMs: number;
  private readonly badSpiIntervalMs: number;
  private readonly transforms: TransformFactory;
  private lastBadSpiAt = -Infinity;
  private readonly pending: IkelessNotification[] = [];
  private readonly drops = new Float64Array(DROP_REASON_NAMES.length);
  private encrypted = 0;
  private decrypted = 0;
  private bypassed = 0;
  private ipId = 0;
  /** Per-packet scratch, reused. */
  private readonly flow: FlowKey = newFlowKey();
  private readonly outer: OuterHeaderFields = { tos: 0, totalLength: 0, id: 0, dontFragment: false, protocol: 0, ttl: 0, src: 0, dst: 0 };
  private readonly outer6: Ipv6HeaderFields = { trafficClass: 0, payloadLength: 0, nextHeader: 0, hopLimit: 0, src: new Uint32Array(4), dst: new Uint32Array(4) };
  private readonly upper = newIpv6Upper();

  constructor(opts: EspEngineOptions) {
    this.local = new LocalAddresses(opts.localAddresses);
    this.onEvent = opts.onEvent;
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? createLogger('router.esp');
    this.acquireIntervalMs = opts.acquireIntervalMs ?? DEFAULT_ACQUIRE_INTERVAL_MS;
    this.badSpiIntervalMs = opts.badSpiIntervalMs ?? DEFAULT_BAD_SPI_INTERVAL_MS;
    this.transforms = transformFactory(opts.crypto ?? 'auto', this.log);
  }

  /** Which implementation seals and opens packets: `native` (OpenSSL contexts reused) or `node` (node:crypto). */
  get cryptoBackend(): 'native' | 'node' {
    return this.transforms.backend;
  }

  /** Install an SA (RFC 9061 `sad-entry`); ValidationError names unusable fields, ConflictError on duplicates. Copies the keys. */
  addSa(entry: SadEntry, opts: AddSaOptions = {}): void {
    const sa = SecurityAssociation.fromEntry(entry, this.local, this.now(), this.transforms);
    try {
      if (opts.seqNumberCounter !== undefined) sa.setSeqNumberCounter(opts.seqNumberCounter);
      this.sad.add(sa);
    } catch (err) {
      sa.dispose();
      throw err;
    }
    this.log.debug('SA installed', { sa: sa.name, spi: hexSpi(sa.spi), direction: sa.direction, reqid: sa.reqid.toString(), esn: sa.esn });
  }

  /** Remove an SA and zero its keys; true when it existed. */
  deleteSa(name: string): boolean {
    const sa = this.sad.remove(name);
    if (!sa) return false;
    sa.dispose();
    this.log.debug('SA deleted', { sa: name, spi: hexSpi(sa.spi) });
    return true;
  }

  /** Append an SPD entry (first match wins); ValidationError names unusable fields. */
  addPolicy(entry: SpdEntry): void {
    const p = this.spd.add(entry);
    this.log.info('policy installed', { policy: p.name, direction: p.direction, action: p.action, reqid: p.reqid.toString() });
  }

  /** Remove an SPD entry; true when it existed. */
  deletePolicy(name: string): boolean {
    return this.spd.remove(name);
  }

  /** Process `batch.count` packets in place: each slot gets a verdict, and a result or a drop reason. */
  process(batch: PacketBatch): void {
    const now = this.now();
    for (let i = 0; i < batch.count; i++) this.processSlot(batch, i, now);
    this.flushEvents();
  }

  /** Check time and idle lifetimes (call about once a second). */
  tick(nowMs: number = this.now()): void {
    for (const sa of [...this.sad.all()]) {
      const reached = sa.timeLimitReached(nowMs);
      if (reached) this.expire(sa, reached, nowMs);
    }
    this.flushEvents();
  }

  /** RFC 9061 `ipsec-sa-state` of the named SA. */
  saState(name: string): SadEntryState | undefined {
    return this.sad.get(name)?.state(this.now());
  }

  /** A copy of the named SA's counters. */
  saCounters(name: string): SaCounters | undefined {
    const sa = this.sad.get(name);
    return sa ? { ...sa.counters } : undefined;
  }

  /** Every installed SA with its counters and state. */
  listSas(): SaInfo[] {
    const now = this.now();
    return [...this.sad.all()].map((sa) => describeSa(sa, now));
  }

  /** The named SA as `listSas` lists it, or undefined: for a few SAs, without listing them all. */
  saInfo(name: string): SaInfo | undefined {
    const sa = this.sad.get(name);
    return sa ? describeSa(sa, this.now()) : undefined;
  }

  /** Every installed SPD entry (outbound first, in match order). */
  listPolicies(): SpdEntry[] {
    return this.spd.all().map((p) => p.entry);
  }

  /** Engine-wide counters, drops by reason. */
  counters(): EngineCounters {
    const drops = {} as Record<DropReasonName, number>;
    for (let code = 1; code < DROP_REASON_NAMES.length; code++) drops[DROP_REASON_NAMES[code] as DropReasonName] = this.drops[code];
    return { encrypted: this.encrypted, decrypted: this.decrypted, bypassed: this.bypassed, drops };
  }

  /** Delete every SA (keys zeroed) and policy. */
  close(): void {
    for (const sa of [...this.sad.all()]) this.deleteSa(sa.name);
    for (const p of this.spd.all()) this.spd.remove(p.name);
  }

  // ---- data path --------------------------------------------------------------

  private processSlot(batch: PacketBatch, i: number, now: number): void {
    const buf = batch.buffers[i];
    const off = batch.offsets[i];
    const avail = Math.min(batch.lengths[i], buf.length - off);
    if (avail > 0 && buf[off] >>> 4 === 6) return this.processSlot6(batch, i, buf, off, avail, now);
    // 1. A well-formed IPv4 packet; its Total Length wins over the read length.
    const len = validIpv4Length(buf, off, avail);
    if (len === 0) return this.drop(batch, i, DropReason.Malformed, undefined);
    // 2. ESP (or ESP-in-UDP on an inbound SA's port, RFC 3948) to one of our tunnel addresses is
    //    inbound; 3. everything else goes through the SPD.
    const proto = ipv4Protocol(buf, off);
    const ihl = ipv4HeaderLength(buf, off, len);
    if ((proto === IPPROTO_ESP || proto === IPPROTO_UDP) && this.local.has4(ipv4Destination(buf, off))) {
      // An outer ESP fragment is malformed (no reassembly); so is the first fragment of ESP-in-UDP.
      if (proto === IPPROTO_ESP) return ipv4IsFragment(buf, off) ? this.drop(batch, i, DropReason.Malformed, undefined) : this.inbound(batch, i, buf, off, len, now, ihl, 0);
      // A later fragment carries no UDP header to read a port from: it goes through the SPD.
      const first = (buf.readUInt16BE(off + 6) & IPV4_FRAG_OFFSET_MASK) === 0;
      if (first && len - ihl >= UDP_HEADER_LEN && this.sad.isUdpEncapPort(udpDestinationPort(buf, off + ihl))) {
        if (ipv4IsFragment(buf, off)) return this.drop(batch, i, DropReason.Malformed, undefined);
        return this.inboundUdp(batch, i, buf, off, len, now, ihl);
      }
    }
    readFlowKey(buf, off, ihl, len, this.flow);
    this.outbound(batch, i, buf, off, len, now);
  }

  /** The same for an IPv6 packet: the upper layer past the extension headers decides. */
  private processSlot6(batch: PacketBatch, i: number, buf: Buffer, off: number, avail: number, now: number): void {
    const len = validIpv6Length(buf, off, avail);
    const up = this.upper;
    if (len === 0 || !ipv6Upper(buf, off, len, up)) return this.drop(batch, i, DropReason.Malformed, undefined);
    const proto = up.protocol;
    if ((proto === IPPROTO_ESP || proto === IPPROTO_UDP) && this.local.has6At(buf, ipv6DestinationOffset(off))) {
      const hdr = up.offset - off;
      if (proto === IPPROTO_ESP) return up.fragment !== 0 ? this.drop(batch, i, DropReason.Malformed, undefined) : this.inbound(batch, i, buf, off, len, now, hdr, 0);
      // A later fragment carries no UDP header to read a port from: it goes through the SPD.
      if (up.fragment !== 2 && len - hdr >= UDP_HEADER_LEN && this.sad.isUdpEncapPort(udpDestinationPort(buf, up.offset))) {
        if (up.fragment !== 0) return this.drop(batch, i, DropReason.Malformed, undefined);
        return this.inboundUdp(batch, i, buf, off, len, now, hdr);
      }
    }
    readFlowKey6(buf, off, len, up, this.flow);
    this.outbound(batch, i, buf, off, len, now);
  }

  /** ESP-in-UDP (RFC 3948): keepalives and non-ESP (IKE) messages are dropped, ESP goes on after the UDP header. */
  private inboundUdp(batch: PacketBatch, i: number, buf: Buffer, off: number, len: number, now: number, ihl: number): void {
    // The UDP length must cover exactly the rest of the IP packet (RFC 768).
    if (udpLength(buf, off + ihl) !== len - ihl) return this.drop(batch, i, DropReason.Malformed, undefined);
    const payload = off + ihl + UDP_HEADER_LEN;
    if (classifyUdpPayload(buf, payload, off + len - payload) !== UdpPayloadKind.Esp) {
      return this.drop(batch, i, DropReason.NotEsp, undefined);
    }
    this.inbound(batch, i, buf, off, len, now, ihl, UDP_HEADER_LEN);
  }

  /** Inbound ESP: `hdr` bytes of outer IP header (IPv6: with its extension headers), `encapLen` of UDP. */
  private inbound(batch: PacketBatch, i: number, buf: Buffer, off: number, len: number, now: number, hdr: number, encapLen: number): void {
    if (len - hdr - encapLen < ESP_HEADER_LEN) return this.drop(batch, i, DropReason.Malformed, undefined);
    const espStart = off + hdr + encapLen;
    // SA lookup by SPI (RFC 4301 §5.2 step 3a).
    const spi = espSpi(buf, espStart);
    const sa = this.sad.inbound(spi);
    if (!sa) {
      this.badSpi(spi, now);
      return this.drop(batch, i, DropReason.BadSpi, undefined, spi);
    }
    // The SA says plain ESP or ESP-in-UDP (RFC 9061 encapsulation-type); the packet must agree.
    if (encapLen !== udpEncapLength(sa.udpEncap)) {
      sa.counters.policyMismatch++;
      return this.drop(batch, i, DropReason.PolicyMismatch, sa);
    }
    const t = sa.transform;
    const ctStart = espStart + ESP_HEADER_LEN + t.ivLength;
    const icvStart = off + len - t.icvLength;
    const ctLen = icvStart - ctStart;
    if (ctLen < 2 || ctLen % t.padAlign !== 0) {
      sa.counters.malformed++;
      return this.drop(batch, i, DropReason.Malformed, sa);
    }
    // Sequence number: infer ESN high bits (RFC 4303 A2.2), then the replay check before any crypto (§3.4.3).
    const seqLo = espSeqLow(buf, espStart);
    const seqHi = sa.esn ? sa.window.inferHigh(seqLo) : 0;
    const replay = sa.window.check(seqHi, seqLo);
    if (replay === ReplayCheck.Replay) {
      sa.counters.replayDrops++;
      return this.drop(batch, i, DropReason.Replay, sa);
    }
    if (replay === ReplayCheck.TooOld) {
      sa.counters.tooOldDrops++;
      return this.drop(batch, i, DropReason.TooOld, sa);
    }
    // ICV and decryption (§3.4.4); the window moves only for authentic packets.
    if (!t.open(buf, espStart, icvStart, seqHi)) {
      sa.counters.authFailures++;
      return this.drop(batch, i, DropReason.AuthFailed, sa);
    }
    sa.window.update(seqHi, seqLo);
    const payloadEnd = readEspTrailer(buf, ctStart, icvStart);
    if (payloadEnd < 0) {
      sa.counters.badPadding++;
      return this.drop(batch, i, DropReason.BadPadding, sa);
    }
    // Next Header must be IPv4 or IPv6, and say what the packet is (a dummy packet, 59, is dropped
    // here too: RFC 4303 §2.6).
    const next = buf[icvStart - 1];
    let innerLen = 0;
    if (next === NEXT_HEADER_IPV4) {
      innerLen = validIpv4Length(buf, ctStart, payloadEnd - ctStart);
      if (innerLen > 0) readFlowKey(buf, ctStart, ipv4HeaderLength(buf, ctStart, innerLen), innerLen, this.flow);
    } else if (next === NEXT_HEADER_IPV6) {
      innerLen = validIpv6Length(buf, ctStart, payloadEnd - ctStart);
      if (innerLen > 0 && ipv6Upper(buf, ctStart, innerLen, this.upper)) readFlowKey6(buf, ctStart, innerLen, this.upper, this.flow);
      else innerLen = 0;
    }
    if (innerLen === 0) {
      sa.counters.malformed++;
      return this.drop(batch, i, DropReason.Malformed, sa);
    }
    // The inner packet must fall inside the SA's selector (RFC 4301 §5.2 step 4).
    if (!selectorMatches(sa.selector, this.flow)) {
      sa.counters.policyMismatch++;
      return this.drop(batch, i, DropReason.PolicyMismatch, sa);
    }
    batch.verdicts[i] = Verdict.Decrypted;
    batch.reasons[i] = DropReason.None;
    batch.offsets[i] = ctStart;
    batch.lengths[i] = innerLen;
    this.decrypted++;
    this.account(sa, innerLen, now);
  }

  /** Outbound: the SPD for the packet whose flow key `this.flow` holds. */
  private outbound(batch: PacketBatch, i: number, buf: Buffer, off: number, len: number, now: number): void {
    const policy = this.spd.lookupOutbound(this.flow);
    if (!policy) return this.drop(batch, i, DropReason.NoPolicy, undefined);
    if (policy.action === 'discard') return this.drop(batch, i, DropReason.DiscardPolicy, undefined);
    if (policy.action === 'bypass') {
      batch.verdicts[i] = Verdict.Bypassed;
      batch.reasons[i] = DropReason.None;
      batch.lengths[i] = len;
      this.bypassed++;
      return;
    }
    const sa = this.sad.outboundFor(policy.reqid, this.flow);
    if (!sa) {
      this.acquire(policy, this.flow, now);
      return this.drop(batch, i, DropReason.NoSa, undefined);
    }
    // Room for headers before and padding/ICV after; move the packet once if the reader left too little.
    const head = espHeadroom(sa);
    const tail = espTailroom(sa.transform, len);
    let innerOff = off;
    if (innerOff < head || innerOff + len + tail > buf.length) {
      if (head + len + tail > buf.length) return this.drop(batch, i, DropReason.TooBig, sa);
      buf.copyWithin(head, innerOff, innerOff + len);
      innerOff = head;
    }
    if (!sa.nextSeq()) {
      if (sa.counters.seqOverflowDrops++ === 0) {
        this.log.warn('sequence number counter exhausted; SA needs a rekey', { sa: sa.name, spi: hexSpi(sa.spi) });
        this.pending.push({ type: 'sadb-seq-overflow', ipsecSaName: sa.name });
      }
      return this.drop(batch, i, DropReason.SeqOverflow, sa);
    }
    this.outer.id = this.ipId = (this.ipId + 1) & 0xffff;
    const outLen = encapsulateTunnel(buf, innerOff, len, sa, this.outer, this.outer6);
    batch.verdicts[i] = Verdict.Encrypted;
    batch.reasons[i] = DropReason.None;
    batch.offsets[i] = innerOff - head;
    batch.lengths[i] = outLen;
    this.encrypted++;
    this.account(sa, len, now);
  }

  /** Count a processed packet and apply packet/byte lifetimes. */
  private account(sa: SecurityAssociation, bytes: number, now: number): void {
    sa.counters.packets++;
    sa.counters.bytes += bytes;
    sa.lastUsedAt = now;
    const reached = sa.countLimitReached();
    if (reached) this.expire(sa, reached, now);
  }

  private drop(batch: PacketBatch, i: number, reason: DropReason, sa: SecurityAssociation | undefined, spi?: number): void {
    batch.verdicts[i] = Verdict.Drop;
    batch.reasons[i] = reason;
    this.drops[reason]++;
    this.log.debug('drop', { reason: DROP_REASON_NAMES[reason], sa: sa?.name, spi: hexSpi(sa?.spi ?? spi) });
  }

  // ---- events ------------------------------------------------------------------

  private expire(sa: SecurityAssociation, kind: 'soft' | 'hard', now: number): void {
    const lifetimeCurrent = sa.lifetimeCurrent(now);
    // A hard limit reached before the soft one was noticed (a late tick, one big burst): the
    // soft notification still goes first, so the controller sees the rekey trigger it relies on.
    if (kind === 'hard' && !sa.softExpired) this.expire(sa, 'soft', now);
    if (kind === 'soft') {
      sa.softExpired = true;
      this.log.info('soft lifetime reached', { sa: sa.name, spi: hexSpi(sa.spi) });
    } else {
      this.sad.remove(sa.name);
      sa.dispose();
      this.log.info('hard lifetime reached; SA removed', { sa: sa.name, spi: hexSpi(sa.spi) });
    }
    this.pending.push({ type: 'sadb-expire', ipsecSaName: sa.name, softLifetimeExpire: kind === 'soft', lifetimeCurrent });
  }

  private acquire(policy: Policy, flow: FlowKey, now: number): void {
    if (now - policy.lastAcquireAt < this.acquireIntervalMs) return;
    policy.lastAcquireAt = now;
    const trafficSelector: TrafficSelector =
      flow.family === 6
        ? { localPrefix: `${formatIpv6(flow.src6)}/128`, remotePrefix: `${formatIpv6(flow.dst6)}/128`, innerProtocol: flow.protocol }
        : { localPrefix: `${formatIpv4(flow.src)}/32`, remotePrefix: `${formatIpv4(flow.dst)}/32`, innerProtocol: flow.protocol };
    if (flow.srcPort >= 0) {
      trafficSelector.localPorts = [{ start: flow.srcPort, end: flow.srcPort }];
      trafficSelector.remotePorts = [{ start: flow.dstPort, end: flow.dstPort }];
    }
    this.pending.push({ type: 'sadb-acquire', ipsecPolicyName: policy.name, trafficSelector });
  }

  private badSpi(spi: number, now: number): void {
    if (now - this.lastBadSpiAt < this.badSpiIntervalMs) return;
    this.lastBadSpiAt = now;
    this.pending.push({ type: 'sadb-bad-spi', spi });
  }

  private flushEvents(): void {
    if (this.pending.length === 0) return;
    const events = this.pending.splice(0);
    for (const e of events) {
      this.log.info('notification', { type: e.type, sa: 'ipsecSaName' in e ? e.ipsecSaName : undefined });
      if (!this.onEvent) continue;
      try {
        this.onEvent(e);
      } catch (err) {
        this.log.error('event handler threw', { type: e.type, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}

/** An SA as `listSas` lists it: its counters copied, its state at `now`. */
function describeSa(sa: SecurityAssociation, now: number): SaInfo {
  return {
    name: sa.name,
    spi: sa.spi,
    reqid: sa.reqid,
    direction: sa.direction,
    extSeqNum: sa.esn,
    counters: { ...sa.counters },
    state: sa.state(now),
  };
}

function hexSpi(spi: number | undefined): string | undefined {
  return spi === undefined ? undefined : `0x${spi.toString(16).padStart(8, '0')}`;
}
