/**
 * CCIPS controller (RFC 9061 IKE-less case, §7.1 of the RFC): computes the
 * SPD and SAD entries of one tunnel between two routers — fresh SPIs unique
 * per router, reqids that link each SA to its policy, traffic selectors from
 * the sites' subnets, tunnel endpoints, algorithms, ESN, replay window and
 * lifetimes from the NS's security profile — without any key material.
 * The result is split into the two installation phases: inbound entries at
 * both ends first, then outbound (so no packet arrives before its SA).
 * Entries follow the source/destination convention of common/ikeless.
 */
import { randomInt } from 'node:crypto';
import type { Lifetime, SadEntry, SoftLifetime, SpdEntry } from '../../common/ikeless/types.js';
import type { KeyBinding, KeyDirection } from '../../vca/index.js';
import { espSuite } from './suites.js';

/** What the controller needs to know about one end of a tunnel. */
export interface TunnelEnd {
  vnfId: string;
  tunnelAddress: string;
  lanSubnet: string;
}

/** The security parameters of a tunnel (from the NSD security profile). */
export interface TunnelPolicy {
  encryption: string;
  esn: boolean;
  replayWindow: number;
  lifetimeSoft: SoftLifetime;
  lifetimeHard: Lifetime;
}

/** Entries for one router in one phase, plus which key fills each SAD entry. */
export interface RouterEdit {
  vnfId: string;
  sad: SadEntry[];
  spd: SpdEntry[];
  keyBindings: KeyBinding[];
}

/**
 * One edit per router out of many tunnels' edits for one phase (order kept within a router):
 * a router then takes all its SAs of the phase in one `<edit-config>`, all or nothing, instead of
 * one per tunnel.
 */
export function mergeRouterEdits(edits: readonly RouterEdit[]): RouterEdit[] {
  const byRouter = new Map<string, RouterEdit>();
  for (const e of edits) {
    const m = byRouter.get(e.vnfId);
    if (!m) byRouter.set(e.vnfId, { vnfId: e.vnfId, sad: [...e.sad], spd: [...e.spd], keyBindings: [...e.keyBindings] });
    else {
      m.sad.push(...e.sad);
      m.spd.push(...e.spd);
      m.keyBindings.push(...e.keyBindings);
    }
  }
  return [...byRouter.values()];
}

/** The same edits with their SAD entries only: a rekey's new SAs join the policies in place. */
export function saEntriesOnly(edits: readonly RouterEdit[]): RouterEdit[] {
  return edits.map((e) => ({ ...e, spd: [] }));
}

/** The complete configuration of one tunnel, in installation order. */
export interface TunnelSas {
  tunnelId: string;
  /** SPI of master → peer (direction `out`) and of peer → master (`in`). */
  spiOut: number;
  spiIn: number;
  inbound: RouterEdit[];
  outbound: RouterEdit[];
  /** SAD and SPD entry names per router, for removal. */
  names: Record<string, { sad: string[]; spd: string[] }>;
}

/** Allocates SPIs not used on a router (RFC 4303 §2.1: 1–255 reserved). */
export class SpiAllocator {
  private readonly used = new Map<string, Set<number>>();

  /** Mark SPIs as used (after a restart, from the stored tunnels). */
  reserve(vnfId: string, spi: number): void {
    this.setOf(vnfId).add(spi);
  }

  /** A fresh random SPI for SAs arriving at `vnfId`. */
  allocate(vnfId: string): number {
    const set = this.setOf(vnfId);
    for (;;) {
      const spi = randomInt(256, 2 ** 32 - 1);
      if (!set.has(spi)) {
        set.add(spi);
        return spi;
      }
    }
  }

  private setOf(vnfId: string): Set<number> {
    let s = this.used.get(vnfId);
    if (!s) this.used.set(vnfId, (s = new Set()));
    return s;
  }
}

/** Name of the SAD entry of the SA `src` → `dst` with this SPI. */
export function sadEntryName(tunnelId: string, src: string, dst: string, spi: number): string {
  return `${tunnelId}/${src}-${dst}/${spi}`;
}

/** Name of the SPD entry for traffic `src` → `dst` at the router where it is `direction`. */
export function spdEntryName(tunnelId: string, src: string, dst: string, direction: 'inbound' | 'outbound'): string {
  return `${tunnelId}/${src}-${dst}/${direction === 'outbound' ? 'out' : 'in'}`;
}

/** The SAD/SPD entry names a tunnel left on each of its two routers, in installation order (inbound phase, then outbound). */
export function tunnelEntryNames(t: { id: string; master: string; peer: string; spiOut: number; spiIn: number }): Record<string, { sad: string[]; spd: string[] }> {
  const out = sadEntryName(t.id, t.master, t.peer, t.spiOut);
  const inn = sadEntryName(t.id, t.peer, t.master, t.spiIn);
  return {
    [t.master]: { sad: [inn, out], spd: [spdEntryName(t.id, t.peer, t.master, 'inbound'), spdEntryName(t.id, t.master, t.peer, 'outbound')] },
    [t.peer]: { sad: [out, inn], spd: [spdEntryName(t.id, t.master, t.peer, 'inbound'), spdEntryName(t.id, t.peer, t.master, 'outbound')] },
  };
}

/**
 * Compute the SAs and policies of tunnel `tunnelId` between `master` and
 * `peer`. `reqidBase` must be unique per tunnel within the NS (reqidBase and
 * reqidBase + 1 are used).
 */
export function computeTunnelSas(
  tunnelId: string,
  master: TunnelEnd,
  peer: TunnelEnd,
  policy: TunnelPolicy,
  spis: SpiAllocator,
  reqidBase: bigint,
): TunnelSas {
  const suite = espSuite(policy.encryption);
  const spiOut = spis.allocate(peer.vnfId);
  const spiIn = spis.allocate(master.vnfId);
  const reqOut = reqidBase;
  const reqIn = reqidBase + 1n;

  const sa = (src: TunnelEnd, dst: TunnelEnd, spi: number, reqid: bigint): SadEntry => ({
    name: sadEntryName(tunnelId, src.vnfId, dst.vnfId, spi),
    reqid,
    spi,
    extSeqNum: policy.esn,
    seqOverflow: false,
    antiReplayWindowSize: policy.replayWindow,
    trafficSelector: { localPrefix: src.lanSubnet, remotePrefix: dst.lanSubnet, innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: suite.encryptionAlgorithm }, integrity: { algorithm: suite.integrityAlgorithm } },
    lifetimeHard: { ...policy.lifetimeHard },
    lifetimeSoft: { action: 'replace', ...policy.lifetimeSoft },
    tunnel: { local: src.tunnelAddress, remote: dst.tunnelAddress, dfBit: 'clear', bypassDscp: true },
  });
  const sp = (src: TunnelEnd, dst: TunnelEnd, direction: 'inbound' | 'outbound', reqid: bigint): SpdEntry => ({
    name: spdEntryName(tunnelId, src.vnfId, dst.vnfId, direction),
    direction,
    reqid,
    antiReplayWindowSize: policy.replayWindow,
    trafficSelector: { localPrefix: src.lanSubnet, remotePrefix: dst.lanSubnet, innerProtocol: 'any' },
    action: 'protect',
    saCfg: {
      pfpFlag: false,
      extSeqNum: policy.esn,
      seqOverflow: false,
      statefulFragCheck: false,
      mode: 'tunnel',
      protocolParameters: 'esp',
      integrity: [suite.integrityAlgorithm],
      encryption: [{ id: 1, algorithmType: suite.encryptionAlgorithm, keyLength: suite.keyLengthBits }],
      tfcPad: false,
      tunnel: { local: src.tunnelAddress, remote: dst.tunnelAddress, dfBit: 'clear', bypassDscp: true },
    },
  });

  const saOut = sa(master, peer, spiOut, reqOut); // master → peer
  const saIn = sa(peer, master, spiIn, reqIn); // peer → master
  const bind = (e: SadEntry, direction: KeyDirection): KeyBinding => ({ sadName: e.name, tunnelId, direction, keyLengthBits: suite.keyLengthBits });

  const inbound: RouterEdit[] = [
    { vnfId: master.vnfId, sad: [saIn], spd: [sp(peer, master, 'inbound', reqIn)], keyBindings: [bind(saIn, 'in')] },
    { vnfId: peer.vnfId, sad: [saOut], spd: [sp(master, peer, 'inbound', reqOut)], keyBindings: [bind(saOut, 'out')] },
  ];
  const outbound: RouterEdit[] = [
    { vnfId: master.vnfId, sad: [saOut], spd: [sp(master, peer, 'outbound', reqOut)], keyBindings: [bind(saOut, 'out')] },
    { vnfId: peer.vnfId, sad: [saIn], spd: [sp(peer, master, 'outbound', reqIn)], keyBindings: [bind(saIn, 'in')] },
  ];
  const names: TunnelSas['names'] = {};
  for (const e of [...inbound, ...outbound]) {
    const n = (names[e.vnfId] ??= { sad: [], spd: [] });
    n.sad.push(...e.sad.map((s) => s.name));
    n.spd.push(...e.spd.map((s) => s.name));
  }
  return { tunnelId, spiOut, spiIn, inbound, outbound, names };
}
