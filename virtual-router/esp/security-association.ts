/**
 * One IPsec SA of the SAD (RFC 4301 §4.4.2, RFC 9061 `sad-entry`): validated
 * configuration, its crypto transform, the outbound sequence counter
 * (RFC 4303 §3.3.3), the inbound replay window (§3.4.3), lifetime accounting
 * (RFC 9061 `sa-lifetime-hard`/`-soft`, RFC 4301 §4.4.2.1) and counters.
 * Direction follows the qnfv convention (common/ikeless/types.ts): inbound when
 * `tunnel.remote` is one of the router's own tunnel addresses.
 * `encapsulation-type` `espinudp` puts a UDP header in front of ESP (RFC 3948,
 * udp-encap.ts). Tunnel ends are IPv4 or IPv6 (one family per SA; the inner
 * packets may be of either). Caveats: tunnel mode and ESP only; no `espintcp`. The
 * soft-lifetime `action` is not acted upon: a soft expiry only raises
 * `sadb-expire` and the controller rekeys.
 */
import { ValidationError, type Problem } from '../../common/index.js';
import {
  AUTH,
  ENCR,
  type DfBit,
  type Direction,
  type Lifetime,
  type SadEntry,
  type SadEntryState,
} from '../../common/ikeless/types.js';
import type { TransformFactory } from './crypto-backend.js';
import {
  CBC_KEY_LENGTHS,
  GCM_KEYMAT_LENGTHS,
  HMAC_SHA256_KEY_LEN,
  MAX_REPLAY_WINDOW,
  MAX_SEQ32,
  MIN_SPI,
} from './constants.js';
import type { EspTransform } from './esp-transform.js';
import { parseIpv4 } from './ipv4-packet.js';
import { isIpv6Text, parseIpv6 } from './ipv6-packet.js';
import type { LocalAddresses } from './local-addresses.js';
import { ReplayWindow } from './replay-window.js';
import { compileSelector, type CompiledSelector } from './traffic-selector.js';
import { compileUdpEncap, type UdpEncap } from './udp-encap.js';

/** Per-SA counters (RFC 9061 `ipsec-sa-state` plus what the router reports besides). */
export interface SaCounters {
  /** Packets and inner-packet bytes protected (outbound) or accepted (inbound). */
  packets: number;
  bytes: number;
  /** Inbound: duplicates inside the window (`replay-stats/packet-dropped`). */
  replayDrops: number;
  /** Inbound: older than the window (`replay-stats/failed`). */
  tooOldDrops: number;
  authFailures: number;
  badPadding: number;
  policyMismatch: number;
  malformed: number;
  /** Outbound: packets refused because the sequence number would cycle. */
  seqOverflowDrops: number;
}

/** Lifetime limits with 0/absent turned into Infinity; time and idle in milliseconds. */
interface Limits {
  timeMs: number;
  idleMs: number;
  bytes: number;
  packets: number;
}

function limits(l: Lifetime | undefined, path: string, problems: Problem[]): Limits {
  const inf = (v: number | bigint | undefined, field: string): number => {
    if (v === undefined) return Infinity;
    const n = Number(v);
    if (!(n >= 0) || !Number.isFinite(n)) {
      problems.push({ path: `${path}.${field}`, message: `'${String(v)}' is not a non-negative number` });
      return Infinity;
    }
    return n === 0 ? Infinity : n;
  };
  return {
    timeMs: inf(l?.time, 'time') * 1000,
    idleMs: inf(l?.idle, 'idle') * 1000,
    bytes: inf(l?.bytes, 'bytes'),
    packets: inf(l?.packets, 'packets'),
  };
}

/** The outer-DSCP table of `entry`'s tunnel (null: copy the inner DSCP), or record why it is unusable. */
function compileDscpMap(entry: SadEntry, problems: Problem[]): Uint8Array | null {
  if (entry.tunnel?.bypassDscp !== false) return null;
  const map = new Uint8Array(64); // RFC 9061 `outer-dscp` default 0
  (entry.tunnel.dscpMapping ?? []).forEach((m, i) => {
    const inner = m.innerDscp;
    const outer = m.outerDscp ?? 0;
    if (inner === undefined) return;
    if (!Number.isInteger(inner) || inner < 0 || inner > 63 || !Number.isInteger(outer) || outer < 0 || outer > 63) {
      problems.push({ path: `tunnel.dscpMapping[${i}]`, message: 'inner-dscp and outer-dscp must be 0..63' });
      return;
    }
    map[inner] = outer;
  });
  return map;
}

/** Build the transform of `entry`, or record why it is unusable. Never mentions key bytes. */
function createTransform(entry: SadEntry, problems: Problem[], factory: TransformFactory): EspTransform | undefined {
  const enc = entry.espSa?.encryption;
  const integ = entry.espSa?.integrity;
  if (!enc) {
    problems.push({ path: 'espSa.encryption', message: 'is missing' });
    return undefined;
  }
  const integAlg = integ?.algorithm ?? AUTH.NONE;
  if (enc.algorithm === ENCR.AES_GCM_16) {
    if (integAlg !== AUTH.NONE) {
      problems.push({ path: 'espSa.integrity.algorithm', message: `must be ${AUTH.NONE} (NONE) with AES-GCM-16 (RFC 4106 §8.2)` });
    }
    if (entry.seqOverflow) {
      problems.push({ path: 'seqOverflow', message: 'must be false with an AEAD algorithm (RFC 9061)' });
    }
    if (!enc.key) {
      problems.push({ path: 'espSa.encryption.key', message: 'is missing' });
    } else if (!GCM_KEYMAT_LENGTHS.includes(enc.key.length)) {
      problems.push({
        path: 'espSa.encryption.key',
        message: `is ${enc.key.length} bytes; AES-GCM-16 needs key ‖ 4-byte salt = ${GCM_KEYMAT_LENGTHS.join(' or ')} bytes (RFC 4106 §8.1)`,
      });
    }
    if (problems.length > 0 || !enc.key) return undefined;
    return factory.gcm(enc.key, entry.extSeqNum);
  }
  if (enc.algorithm === ENCR.AES_CBC) {
    if (integAlg !== AUTH.HMAC_SHA2_256_128) {
      problems.push({
        path: 'espSa.integrity.algorithm',
        message: `${integAlg} is not supported with AES-CBC; use ${AUTH.HMAC_SHA2_256_128} (HMAC-SHA2-256-128)`,
      });
    }
    if (!enc.key) {
      problems.push({ path: 'espSa.encryption.key', message: 'is missing' });
    } else if (!CBC_KEY_LENGTHS.includes(enc.key.length)) {
      problems.push({ path: 'espSa.encryption.key', message: `is ${enc.key.length} bytes; AES-CBC needs ${CBC_KEY_LENGTHS.join(' or ')}` });
    }
    if (!integ?.key) {
      problems.push({ path: 'espSa.integrity.key', message: 'is missing' });
    } else if (integ.key.length !== HMAC_SHA256_KEY_LEN) {
      problems.push({
        path: 'espSa.integrity.key',
        message: `is ${integ.key.length} bytes; HMAC-SHA-256-128 needs ${HMAC_SHA256_KEY_LEN} (RFC 4868 §2.1.1)`,
      });
    }
    if (problems.length > 0 || !enc.key || !integ?.key) return undefined;
    return factory.cbcHmac(enc.key, integ.key, entry.extSeqNum);
  }
  problems.push({
    path: 'espSa.encryption.algorithm',
    message: `${enc.algorithm} is not supported; use ${ENCR.AES_GCM_16} (AES-GCM-16) or ${ENCR.AES_CBC} (AES-CBC)`,
  });
  return undefined;
}

/** The SA's tunnel ends: IPv4 numbers or IPv6 words, by family. */
interface TunnelEnds {
  family: number;
  src: number;
  dst: number;
  src6: Uint32Array;
  dst6: Uint32Array;
}

/** An installed SA. Create with `SecurityAssociation.fromEntry`. */
export class SecurityAssociation {
  readonly name: string;
  readonly spi: number;
  readonly reqid: bigint;
  readonly direction: Direction;
  readonly esn: boolean;
  readonly transform: EspTransform;
  readonly selector: CompiledSelector;
  /** Outer header family (4 or 6) and the SA's source and destination gateways (IPv4 numbers or IPv6 words). */
  readonly tunnelFamily: number;
  readonly tunnelSrc: number;
  readonly tunnelDst: number;
  readonly tunnelSrc6: Uint32Array;
  readonly tunnelDst6: Uint32Array;
  readonly dfBit: DfBit;
  /**
   * Outer DSCP per inner DSCP (RFC 9061 `bypass-dscp` false with `dscp-mapping`; unmapped → 0),
   * or null to copy the inner DSCP (`bypass-dscp` true, the default). ECN is always copied (RFC 6040).
   */
  readonly dscpMap: Uint8Array | null;
  /** ESP-in-UDP ports (RFC 3948), or null for plain ESP (IP protocol 50). */
  readonly udpEncap: UdpEncap | null;
  readonly window: ReplayWindow;
  /** Outbound: last sequence number used (0 = none yet). */
  seqHi = 0;
  seqLo = 0;
  /** Outbound: the counter reached its end; the SA sends nothing more (RFC 4303 §3.3.3). */
  exhausted = false;
  readonly addedAt: number;
  lastUsedAt: number;
  softExpired = false;
  readonly hard: Limits;
  readonly soft: Limits;
  readonly counters: SaCounters = {
    packets: 0,
    bytes: 0,
    replayDrops: 0,
    tooOldDrops: 0,
    authFailures: 0,
    badPadding: 0,
    policyMismatch: 0,
    malformed: 0,
    seqOverflowDrops: 0,
  };

  private constructor(entry: SadEntry, parts: {
    direction: Direction;
    transform: EspTransform;
    selector: CompiledSelector;
    tunnel: TunnelEnds;
    hard: Limits;
    soft: Limits;
    dscpMap: Uint8Array | null;
    udpEncap: UdpEncap | null;
    now: number;
  }) {
    this.name = entry.name;
    this.spi = entry.spi;
    this.reqid = entry.reqid;
    this.esn = entry.extSeqNum;
    this.direction = parts.direction;
    this.transform = parts.transform;
    this.selector = parts.selector;
    this.tunnelFamily = parts.tunnel.family;
    this.tunnelSrc = parts.tunnel.src;
    this.tunnelDst = parts.tunnel.dst;
    this.tunnelSrc6 = parts.tunnel.src6;
    this.tunnelDst6 = parts.tunnel.dst6;
    this.dfBit = entry.tunnel?.dfBit ?? 'clear';
    this.dscpMap = parts.dscpMap;
    this.udpEncap = parts.udpEncap;
    this.window = new ReplayWindow(entry.antiReplayWindowSize);
    this.hard = parts.hard;
    this.soft = parts.soft;
    this.addedAt = parts.now;
    this.lastUsedAt = parts.now;
  }

  /**
   * Validate a SAD entry and build the SA with `factory`'s transforms; throws ValidationError
   * naming every unusable field. Key bytes are copied: the caller may zero its copy afterwards.
   */
  static fromEntry(entry: SadEntry, localAddresses: LocalAddresses, now: number, factory: TransformFactory): SecurityAssociation {
    const problems: Problem[] = [];
    const name = typeof entry?.name === 'string' ? entry.name : '';
    if (name === '') problems.push({ path: 'name', message: 'is missing' });
    if (!Number.isInteger(entry.spi) || entry.spi < MIN_SPI || entry.spi > MAX_SEQ32) {
      problems.push({ path: 'spi', message: `${String(entry.spi)} is not in ${MIN_SPI}..${MAX_SEQ32} (RFC 4303 §2.1)` });
    }
    if (typeof entry.reqid !== 'bigint') problems.push({ path: 'reqid', message: 'is not a bigint' });
    if (entry.mode !== 'tunnel') problems.push({ path: 'mode', message: `'${String(entry.mode)}' is not supported; only 'tunnel'` });
    if (entry.protocolParameters !== 'esp') problems.push({ path: 'protocolParameters', message: "only 'esp' is supported" });
    const w = entry.antiReplayWindowSize;
    if (!Number.isInteger(w) || w < 0 || w > MAX_REPLAY_WINDOW) {
      problems.push({ path: 'antiReplayWindowSize', message: `${String(w)} is not in 0..${MAX_REPLAY_WINDOW}` });
    }
    const tunnel: TunnelEnds = { family: 4, src: 0, dst: 0, src6: new Uint32Array(4), dst6: new Uint32Array(4) };
    if (!entry.tunnel) {
      problems.push({ path: 'tunnel', message: 'is required in tunnel mode' });
    } else {
      const local = String(entry.tunnel.local);
      const remote = String(entry.tunnel.remote);
      tunnel.family = isIpv6Text(local) ? 6 : 4;
      if ((isIpv6Text(remote) ? 6 : 4) !== tunnel.family) {
        problems.push({ path: 'tunnel.remote', message: `'${remote}' is not of the family of tunnel.local '${local}'` });
      }
      for (const [field, text] of [['tunnel.local', local], ['tunnel.remote', remote]] as const) {
        try {
          if (tunnel.family === 6) {
            const addr = parseIpv6(text, field);
            if (field === 'tunnel.local') tunnel.src6 = addr;
            else tunnel.dst6 = addr;
          } else {
            const addr = parseIpv4(text, field);
            if (field === 'tunnel.local') tunnel.src = addr;
            else tunnel.dst = addr;
          }
        } catch (err) {
          problems.push(...(err as ValidationError).problems);
        }
      }
    }
    let selector: CompiledSelector | undefined;
    try {
      selector = compileSelector(entry.trafficSelector, 'trafficSelector');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...err.problems);
    }
    const dscpMap = compileDscpMap(entry, problems);
    const udpEncap = compileUdpEncap(entry, problems);
    const hard = limits(entry.lifetimeHard, 'lifetimeHard', problems);
    const soft = limits(entry.lifetimeSoft, 'lifetimeSoft', problems);
    const transform = createTransform(entry, problems, factory); // constructed only when nothing is wrong
    if (problems.length > 0 || !transform || !selector) {
      transform?.dispose();
      throw new ValidationError(`sad-entry '${name}' is unusable`, problems);
    }
    const ours = tunnel.family === 6 ? localAddresses.has6(tunnel.dst6) : localAddresses.has4(tunnel.dst);
    const direction: Direction = ours ? 'inbound' : 'outbound';
    return new SecurityAssociation(entry, { direction, transform, selector, tunnel, hard, soft, dscpMap, udpEncap, now });
  }

  /** Outbound: advance the counter; false (and `exhausted`) when the next number would cycle (RFC 4303 §3.3.3). */
  nextSeq(): boolean {
    if (this.exhausted) return false;
    if (this.seqLo === MAX_SEQ32) {
      if (!this.esn || this.seqHi === MAX_SEQ32) {
        this.exhausted = true;
        return false;
      }
      this.seqHi += 1;
      this.seqLo = 0;
      return true;
    }
    this.seqLo += 1;
    return true;
  }

  /** Set the outbound counter (last used number), e.g. to restore state; tests use it to reach overflow. */
  setSeqNumberCounter(seq: bigint): void {
    const max = this.esn ? 0xffffffffffffffffn : BigInt(MAX_SEQ32);
    if (seq < 0n || seq > max) throw new ValidationError(`seq-number-counter ${seq} out of range`);
    this.seqHi = Number(seq >> 32n);
    this.seqLo = Number(seq & 0xffffffffn);
    this.exhausted = false;
  }

  /** The 64-bit counter RFC 9061 reports: last sent (outbound) or highest authenticated (inbound). */
  seqNumberCounter(): bigint {
    const hi = this.direction === 'outbound' ? this.seqHi : this.window.topHi;
    const lo = this.direction === 'outbound' ? this.seqLo : this.window.topLo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** RFC 9061 `sa-lifetime-current` at `now` (ms). */
  lifetimeCurrent(now: number): SadEntryState['lifetimeCurrent'] {
    return {
      time: Math.max(0, Math.floor((now - this.addedAt) / 1000)),
      bytes: BigInt(this.counters.bytes),
      packets: this.counters.packets,
      idle: Math.max(0, Math.floor((now - this.lastUsedAt) / 1000)),
    };
  }

  /** RFC 9061 `ipsec-sa-state` at `now` (ms). */
  state(now: number): SadEntryState {
    const inbound = this.direction === 'inbound';
    return {
      name: this.name,
      lifetimeCurrent: this.lifetimeCurrent(now),
      replayStats: {
        replayWindow: {
          w: this.window.size,
          // uint64 in YANG, numbers in SadEntryState: clamp rather than round (ESN beyond 2^53).
          t: inbound ? Math.min(this.window.top(), Number.MAX_SAFE_INTEGER) : 0,
          b: inbound ? Math.min(this.window.lowerBound(), Number.MAX_SAFE_INTEGER) : 0,
        },
        packetDropped: this.counters.replayDrops,
        failed: this.counters.tooOldDrops,
        seqNumberCounter: this.seqNumberCounter(),
      },
    };
  }

  /** Which limit the packet/byte counts have reached: 'hard', 'soft' (first time only) or undefined. */
  countLimitReached(): 'hard' | 'soft' | undefined {
    const c = this.counters;
    if (c.packets >= this.hard.packets || c.bytes >= this.hard.bytes) return 'hard';
    if (!this.softExpired && (c.packets >= this.soft.packets || c.bytes >= this.soft.bytes)) return 'soft';
    return undefined;
  }

  /** Which time/idle limit is reached at `now` (ms): 'hard', 'soft' (first time only) or undefined. */
  timeLimitReached(now: number): 'hard' | 'soft' | undefined {
    const age = now - this.addedAt;
    const idle = now - this.lastUsedAt;
    if (age >= this.hard.timeMs || idle >= this.hard.idleMs) return 'hard';
    if (!this.softExpired && (age >= this.soft.timeMs || idle >= this.soft.idleMs)) return 'soft';
    return undefined;
  }

  /** Zero the keys; the SA is unusable afterwards. */
  dispose(): void {
    this.transform.dispose();
    this.exhausted = true;
  }
}
