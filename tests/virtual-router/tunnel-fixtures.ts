/**
 * Test data for one IPsec tunnel between two sites, in the shape the CCIPS
 * controller builds it (nfvo/ccips/controller.ts): per direction one SAD
 * entry (installed at both ends; tunnel.local/remote = source/destination
 * gateway) and an outbound SPD entry at the sender plus an inbound one at
 * the receiver. Keys come from vca/key-expansion.ts (`deriveSaKeys`), so
 * both ends hold the same bytes for the same SA. Not a test file itself.
 */
import { AUTH, ENCR, ikelessEditToXml, type IkelessConfig, type Lifetime, type SadEntry, type SoftLifetime, type SpdEntry } from '../../common/ikeless/index.js';
import { serializeXml } from '../../common/netconf/index.js';
import { deriveSaKeys, type KeyDirection } from '../../vca/index.js';

/** One end of the tunnel: its ESP endpoint and its protected LAN. */
export interface Site {
  name: string;
  tunnel: string;
  lan: string;
}

export const SITE_A: Site = { name: 'a', tunnel: '198.51.100.1', lan: '10.1.0.0/24' };
export const SITE_B: Site = { name: 'b', tunnel: '198.51.100.2', lan: '10.2.0.0/24' };

/** Cipher suites the Proxy Agent can key. */
export type Suite = 'gcm256' | 'gcm128' | 'cbc256';

export function suiteAlgorithms(s: Suite): { encryption: number; integrity: number; keyLengthBits: number } {
  if (s === 'cbc256') return { encryption: ENCR.AES_CBC, integrity: AUTH.HMAC_SHA2_256_128, keyLengthBits: 256 };
  return { encryption: ENCR.AES_GCM_16, integrity: AUTH.NONE, keyLengthBits: s === 'gcm128' ? 128 : 256 };
}

/** Options of one SA. */
export interface SaOptions {
  suite?: Suite;
  lifetimeHard?: Lifetime;
  lifetimeSoft?: SoftLifetime;
  /** Fill keys derived from this secret (direction label `dir`). */
  secret?: Uint8Array;
  dir?: KeyDirection;
  reqid?: bigint;
  replayWindow?: number;
}

/** SAD entry name the controller would use. */
export function saName(tunnelId: string, src: Site, dst: Site, spi: number): string {
  return `${tunnelId}/${src.name}-${dst.name}/${spi}`;
}

/** SPD entry name the controller would use. */
export function spName(tunnelId: string, src: Site, dst: Site, direction: 'inbound' | 'outbound'): string {
  return `${tunnelId}/${src.name}-${dst.name}/${direction === 'outbound' ? 'out' : 'in'}`;
}

/** The SA for traffic src → dst; without `secret` it carries no keys (as the controller sends it). */
export function sadEntry(tunnelId: string, src: Site, dst: Site, spi: number, o: SaOptions = {}): SadEntry {
  const alg = suiteAlgorithms(o.suite ?? 'gcm256');
  const e: SadEntry = {
    name: saName(tunnelId, src, dst, spi),
    reqid: o.reqid ?? BigInt(spi),
    spi,
    extSeqNum: false,
    seqOverflow: false,
    antiReplayWindowSize: o.replayWindow ?? 64,
    trafficSelector: { localPrefix: src.lan, remotePrefix: dst.lan, innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: alg.encryption }, integrity: { algorithm: alg.integrity } },
    lifetimeHard: o.lifetimeHard ?? { time: 3600 },
    lifetimeSoft: o.lifetimeSoft ?? { time: 3000, action: 'replace' },
    tunnel: { local: src.tunnel, remote: dst.tunnel, dfBit: 'clear', bypassDscp: true },
  };
  if (o.secret) {
    const k = deriveSaKeys(o.secret, o.dir ?? 'out', alg.encryption, alg.integrity, alg.keyLengthBits);
    e.espSa.encryption.key = k.encryptionKey;
    if (k.integrityKey) e.espSa.integrity.key = k.integrityKey;
  }
  return e;
}

/** The protect policy for traffic src → dst, `direction` as seen by the router it is installed on. */
export function spdEntry(tunnelId: string, src: Site, dst: Site, direction: 'inbound' | 'outbound', o: { suite?: Suite; reqid: bigint; replayWindow?: number }): SpdEntry {
  const alg = suiteAlgorithms(o.suite ?? 'gcm256');
  return {
    name: spName(tunnelId, src, dst, direction),
    direction,
    reqid: o.reqid,
    antiReplayWindowSize: o.replayWindow ?? 64,
    trafficSelector: { localPrefix: src.lan, remotePrefix: dst.lan, innerProtocol: 'any' },
    action: 'protect',
    saCfg: {
      pfpFlag: false,
      extSeqNum: false,
      seqOverflow: false,
      statefulFragCheck: false,
      mode: 'tunnel',
      protocolParameters: 'esp',
      integrity: [alg.integrity],
      encryption: [{ id: 1, algorithmType: alg.encryption, keyLength: alg.keyLengthBits }],
      tfcPad: false,
      tunnel: { local: src.tunnel, remote: dst.tunnel, dfBit: 'clear', bypassDscp: true },
    },
  };
}

/**
 * The whole configuration of `me` for a tunnel me ⇄ peer: both SAs (out:
 * me → peer with spiOut, in: peer → me with spiIn) and both policies.
 * `master` says whether `me` is the key master (its outgoing SA uses label
 * "out"), so two calls with swapped sites give matching ends.
 */
export function tunnelConfig(
  tunnelId: string,
  me: Site,
  peer: Site,
  o: { spiOut: number; spiIn: number; master: boolean; secret?: Uint8Array; suite?: Suite; sa?: Omit<SaOptions, 'secret' | 'dir' | 'suite' | 'reqid'> },
): IkelessConfig {
  const suite = o.suite ?? 'gcm256';
  const reqOut = BigInt(o.spiOut);
  const reqIn = BigInt(o.spiIn);
  const out = sadEntry(tunnelId, me, peer, o.spiOut, { ...o.sa, suite, secret: o.secret, dir: o.master ? 'out' : 'in', reqid: reqOut });
  const inn = sadEntry(tunnelId, peer, me, o.spiIn, { ...o.sa, suite, secret: o.secret, dir: o.master ? 'in' : 'out', reqid: reqIn });
  return {
    sad: [out, inn],
    spd: [spdEntry(tunnelId, me, peer, 'outbound', { suite, reqid: reqOut }), spdEntry(tunnelId, peer, me, 'inbound', { suite, reqid: reqIn })],
  };
}

/** Every way a key could show up in text: plain hex (both cases), colon hex, base64, decimal list. */
export function renderings(keys: Uint8Array[]): string[] {
  return keys.flatMap((k) => {
    const h = Buffer.from(k).toString('hex');
    return [h, Array.from(k, (b) => b.toString(16).padStart(2, '0')).join(':'), Buffer.from(k).toString('base64'), Array.from(k).join(','), Array.from(k).join(', ')];
  });
}

/** The first rendering of one of `keys` found in `text` (case-insensitive), or undefined. */
export function findKey(text: string, keys: Uint8Array[]): string | undefined {
  const t = text.toLowerCase();
  return renderings(keys).find((r) => t.includes(r.toLowerCase()));
}

/** An edit-config body that merges these SAD and SPD entries, keys included. */
export const xmlOf = (c: Partial<IkelessConfig>): string => serializeXml(ikelessEditToXml({ sad: c.sad ?? [], spd: c.spd ?? [], deleteSad: [], deleteSpd: [] }, { withKeys: true }));

/** tshark's `esp_sa` UAT entry for an AES-GCM-16 SA (its family from its tunnel addresses). */
export function uat(e: SadEntry): string {
  const k = `0x${Buffer.from(e.espSa.encryption.key!).toString('hex')}`;
  const spi = `0x${e.spi.toString(16).padStart(8, '0')}`;
  const family = e.tunnel!.local.includes(':') ? 'IPv6' : 'IPv4';
  return `uat:esp_sa:"${family}","${e.tunnel!.local}","${e.tunnel!.remote}","${spi}","AES-GCM with 16 octet ICV [RFC4106]","${k}","NULL",""`;
}
