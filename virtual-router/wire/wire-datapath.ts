/**
 * The router's data path on UDP wires (the `local` VIM's routers): the ESP
 * engine between the router's wire ports, with the router doing the
 * forwarding the kernel does for a router on a TUN:
 *   1. a datagram arrives on a port: ESP (on an `esp-in-udp` port) gets back
 *      its outer IPv4 header — from the sending member's address to the
 *      router's tunnel address — and goes to the engine; an IPv4 packet is
 *      routed (wire-routes.ts): to the router itself (ICMP echo is answered),
 *      into the tunnel (the engine), or out of a port (TTL decremented);
 *   2. packets for the engine are collected into a PacketBatch while the
 *      socket events of one event-loop turn arrive, then processed at once
 *      (`setImmediate`, or as soon as the batch is full) — the TUN path's
 *      batching, where the crypto is;
 *   3. the engine's results are routed without the tunnel routes: ESP to the
 *      peer's tunnel address leaves the WAN port as ESP-in-UDP (no outer IP
 *      header: the receiver rebuilds it), decrypted and bypassed packets go
 *      out of the port their destination is on.
 * The engine is untouched and knows nothing of sockets.
 */
import { createLogger, type Logger } from '../../common/index.js';
import { EspEngine, PacketBatch, Verdict } from '../esp/index.js';
import { IPPROTO_ESP, IPV4_HEADER_LEN, OUTER_TTL } from '../esp/constants.js';
import { ipv4HeaderLength, parseIpv4, validIpv4Length, writeIpv4Header } from '../esp/ipv4-packet.js';
import { answerEcho, decrementTtl } from './ip-packets.js';
import { UdpWire, type WirePort, type WirePortStats } from './udp-wire.js';
import { WireRouteTable } from './wire-routes.js';
import type { UdpWireConfig } from './wire-config.js';

/** Packets per engine batch (as the TUN worker's). */
const BATCH = 64;

/** Why the forwarding part dropped a packet (the engine counts its own drops). */
export interface WireDropCounters {
  /** No route to the destination. */
  noRoute: number;
  /** TTL reached 1 while forwarding. */
  ttlExceeded: number;
  /** Not a well-formed IPv4 packet. */
  malformed: number;
  /** Larger than a batch slot. */
  tooBig: number;
  /** For the router itself, but not an ICMP echo request. */
  localUnhandled: number;
  /** ESP arrived but the router has no IPv4 tunnel address to receive it on. */
  noTunnelAddress: number;
  /** A port's socket refused the send (no member address on the link, socket error). */
  sendFailed: number;
  /** The engine batch was full while the engine was busy with the previous one. */
  batchFull: number;
}

/** What `state()` reports about the wires. */
export interface WireDatapathStats {
  ports: WirePortStats[];
  /** Packets routed out of a port (not counting the engine's ESP). */
  forwarded: number;
  /** Packets handed to the engine. */
  toEngine: number;
  /** Batches the engine processed (toEngine / engineBatches is the mean batch size). */
  engineBatches: number;
  /** ICMP echo requests to the router's own addresses, answered. */
  echoAnswered: number;
  drops: WireDropCounters;
  /** Prefixes routed into the tunnel (from the SPD). */
  tunnelRoutes: string[];
}

type Origin = 'wire' | 'engine' | 'self';

/** The running wire data path. */
export class WireDatapath {
  private current = new PacketBatch({ size: BATCH });
  private spare = new PacketBatch({ size: BATCH });
  private flushScheduled = false;
  private flushing = false;
  private closed = false;
  private ipId = 0;
  private forwarded = 0;
  private toEngine = 0;
  private engineBatches = 0;
  private echoAnswered = 0;
  private readonly drops: WireDropCounters = { noRoute: 0, ttlExceeded: 0, malformed: 0, tooBig: 0, localUnhandled: 0, noTunnelAddress: 0, sendFailed: 0, batchFull: 0 };
  private wire!: UdpWire;
  private routes!: WireRouteTable;
  /** Set once the route table exists: a datagram may arrive between the sockets' bind and then. */
  private ready = false;

  private constructor(
    private readonly engine: EspEngine,
    /** The IPv4 tunnel address that rebuilt ESP packets are addressed to. */
    private readonly tunnelAddress: number | undefined,
    private readonly log: Logger,
  ) {}

  /** Bind the wire's ports and start forwarding through `engine`. */
  static async open(config: UdpWireConfig, engine: EspEngine, tunnelAddresses: readonly string[], logger?: Logger): Promise<WireDatapath> {
    const v4 = tunnelAddresses.filter((a) => !a.includes(':')).map((a) => parseIpv4(a, 'tunnel address'));
    const dp = new WireDatapath(engine, v4[0], logger ?? createLogger('router.wire'));
    dp.wire = await UdpWire.open(config.ports, (port, kind, d, off, from) => dp.receive(port, kind, d, off, from));
    try {
      dp.routes = new WireRouteTable(dp.wire.ports, config.routes, v4);
      dp.ready = true;
    } catch (err) {
      await dp.wire.close();
      throw err;
    }
    return dp;
  }

  /** One line about the ports, for logs. */
  describe(): string {
    return this.wire.ports.map((p) => `${p.name}=${p.endpoint.host}:${p.endpoint.port}/${p.framing}`).join(' ');
  }

  /** Replace the prefixes routed into the tunnel (the CCIPS agent's protected remote prefixes). */
  setTunnelPrefixes(prefixes: readonly string[]): void {
    this.routes.setTunnelPrefixes(prefixes);
    this.log.info('routes into tunnel', { prefixes: this.routes.tunnelRoutes() });
  }

  stats(): WireDatapathStats {
    return {
      ports: this.wire.stats(),
      forwarded: this.forwarded,
      toEngine: this.toEngine,
      engineBatches: this.engineBatches,
      echoAnswered: this.echoAnswered,
      drops: { ...this.drops },
      tunnelRoutes: this.routes.tunnelRoutes(),
    };
  }

  /** Stop receiving; packets still waiting for the engine are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.wire.close();
  }

  private receive(_port: WirePort, kind: 'ip' | 'esp', d: Buffer, off: number, from: number): void {
    if (this.closed || !this.ready) return;
    try {
      if (kind === 'esp') this.enqueueEsp(d, from);
      else {
        const len = validIpv4Length(d, off, d.length - off);
        if (len === 0) this.drops.malformed++;
        else this.deliver(d, off, len, 'wire');
      }
    } catch (err) {
      this.log.error('packet handling failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** ESP from a peer: rebuild the outer IPv4 header (sender → our tunnel address) in front of it, for the engine. */
  private enqueueEsp(esp: Buffer, from: number): void {
    if (this.tunnelAddress === undefined) {
      this.drops.noTunnelAddress++;
      return;
    }
    const total = IPV4_HEADER_LEN + esp.length;
    if (!this.engineTakes(total)) return;
    const b = this.current;
    const i = b.count;
    const slot = b.buffers[i]!;
    this.ipId = (this.ipId + 1) & 0xffff;
    writeIpv4Header(slot, b.headroom, { tos: 0, totalLength: total, id: this.ipId, dontFragment: false, protocol: IPPROTO_ESP, ttl: OUTER_TTL, src: from, dst: this.tunnelAddress });
    esp.copy(slot, b.headroom + IPV4_HEADER_LEN);
    b.setPacket(i, total);
    b.count++;
    this.toEngine++;
    this.scheduleFlush();
  }

  /** Whether the engine's current batch has room for a packet of `len` bytes; counts the drop when not. */
  private engineTakes(len: number): boolean {
    const b = this.current;
    if (len > b.mtu) {
      this.drops.tooBig++;
      return false;
    }
    if (b.count >= b.size) {
      this.drops.batchFull++;
      return false;
    }
    return true;
  }

  /** Route an IPv4 packet: to the router itself, into the tunnel, or out of a port. */
  private deliver(buf: Buffer, off: number, len: number, origin: Origin): void {
    const dst = buf.readUInt32BE(off + 16);
    const target = this.routes.lookup(dst, origin === 'engine');
    if (target === undefined) {
      this.drops.noRoute++;
      return;
    }
    if (target.kind === 'local') {
      if (origin !== 'self' && answerEcho(buf, off, len)) {
        this.echoAnswered++;
        this.deliver(buf, off, len, 'self');
      } else this.drops.localUnhandled++;
      return;
    }
    // Forwarding decrements the TTL (RFC 1812 §5.3.1); what the router sends itself does not.
    if (origin !== 'self' && !decrementTtl(buf, off)) {
      this.drops.ttlExceeded++;
      return;
    }
    if (target.kind === 'tunnel') {
      if (!this.engineTakes(len)) return;
      this.current.push(buf.subarray(off, off + len));
      this.toEngine++;
      this.scheduleFlush();
      return;
    }
    if (this.wire.sendIp(target.port, target.via ?? dst, buf.subarray(off, off + len))) this.forwarded++;
    else this.drops.sendFailed++;
  }

  private scheduleFlush(): void {
    if (this.current.count >= this.current.size && !this.flushing) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Run the engine over the collected batch and send its results. Packets routed meanwhile go to the other batch. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.current;
    if (batch.count === 0 || this.closed) {
      batch.clear();
      return;
    }
    this.current = this.spare;
    this.spare = batch;
    this.flushing = true;
    try {
      this.engine.process(batch);
      this.engineBatches++;
      for (let i = 0; i < batch.count; i++) {
        const v = batch.verdicts[i];
        if (v === Verdict.Encrypted) this.sendEncrypted(batch.buffers[i]!, batch.offsets[i]!, batch.lengths[i]!);
        else if (v === Verdict.Decrypted || v === Verdict.Bypassed) this.deliver(batch.buffers[i]!, batch.offsets[i]!, batch.lengths[i]!, 'engine');
      }
    } finally {
      this.flushing = false;
      batch.clear();
    }
  }

  /** An ESP packet from the engine: to the next hop towards the peer's tunnel address, as ESP-in-UDP where the port carries it. */
  private sendEncrypted(buf: Buffer, off: number, len: number): void {
    if (buf[off]! >>> 4 !== 4) {
      // IPv6 outer headers are not carried by the IPv4 wires.
      this.drops.noRoute++;
      return;
    }
    const target = this.routes.lookup(buf.readUInt32BE(off + 16), true);
    if (target?.kind !== 'port') {
      this.drops.noRoute++;
      return;
    }
    const nextHop = target.via ?? buf.readUInt32BE(off + 16);
    const ihl = ipv4HeaderLength(buf, off, len);
    // Plain ESP travels as ESP-in-UDP; an SA that is itself ESP-in-UDP (outer protocol 17) goes as a whole IPv4 packet.
    const ok =
      target.port.framing === 'esp-in-udp' && buf[off + 9] === IPPROTO_ESP
        ? this.wire.sendEsp(target.port, nextHop, buf.subarray(off + ihl, off + len))
        : this.wire.sendIp(target.port, nextHop, buf.subarray(off, off + len));
    if (!ok) this.drops.sendFailed++;
  }
}
