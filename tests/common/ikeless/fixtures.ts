/**
 * Test data for the RFC 9061 codec: the two algorithm suites qnfv uses (AES-GCM-16
 * with a 36-byte key ‖ salt and no integrity key; AES-CBC with HMAC-SHA2-256-128 and
 * separate keys), an entry that sets every optional leaf, and made-up keys.
 */
import { AUTH, ENCR, type IkelessConfig, type SadEntry, type SpdEntry } from '../../../common/ikeless/index.js';

const bytes = (n: number, f: (i: number) => number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);

/** 32-byte AES-256 key ‖ 4-byte salt (RFC 4106). */
export const GCM_KEY = bytes(36, (i) => 0x3c + i * 5);
export const CBC_KEY = bytes(32, (i) => 0xc1 + i * 3);
export const CBC_IV = bytes(16, (i) => 0x5a ^ (i * 11));
export const HMAC_KEY = bytes(32, (i) => 0x97 + i * 7);
export const ALL_KEYS = [GCM_KEY, CBC_KEY, CBC_IV, HMAC_KEY];

/** reqid above 2^53: would be rounded as a JS number. */
export const BIG_REQID = 2n ** 60n + 12345n;

/** AES-GCM-16, tunnel mode, every optional leaf of a SAD entry set. */
export function gcmSadEntry(): SadEntry {
  return {
    name: 'out/tunnel/10.1.0.0_24-10.2.0.0_24/spi-4294967294',
    reqid: BIG_REQID,
    spi: 0xfffffffe,
    extSeqNum: true,
    seqOverflow: false,
    antiReplayWindowSize: 1024,
    trafficSelector: {
      localPrefix: '10.1.0.0/24',
      remotePrefix: '10.2.0.0/24',
      innerProtocol: 17,
      localPorts: [{ start: 0, end: 65535 }],
      remotePorts: [
        { start: 500, end: 500 },
        { start: 4500, end: 4510 },
      ],
    },
    protocolParameters: 'esp',
    mode: 'tunnel',
    espSa: { encryption: { algorithm: ENCR.AES_GCM_16, key: GCM_KEY }, integrity: { algorithm: AUTH.NONE } },
    lifetimeHard: { time: 3600, bytes: 2n ** 40n, packets: 4000000000, idle: 600 },
    lifetimeSoft: { time: 3000, bytes: 2n ** 39n, packets: 3000000000, idle: 500, action: 'replace' },
    tunnel: {
      local: '198.51.100.1',
      remote: '198.51.100.2',
      dfBit: 'copy',
      bypassDscp: false,
      dscpMapping: [
        { id: 1, innerDscp: 46, outerDscp: 46 },
        { id: 2, innerDscp: 10 },
      ],
      dscpValues: [46, 10],
    },
    encapsulationType: { espencap: 'espinudp', sport: 4500, dport: 4501, oaddr: ['192.0.2.7', '2001:db8::7'] },
  };
}

/** AES-CBC (12) + HMAC-SHA2-256-128 (12), transport mode, IPv6, separate keys and an IV. */
export function cbcSadEntry(): SadEntry {
  return {
    name: 'in/transport/2001:db8:2::/48-2001:db8:1::/48/spi-257',
    reqid: 7n,
    spi: 257,
    extSeqNum: false,
    seqOverflow: true,
    antiReplayWindowSize: 0,
    trafficSelector: { localPrefix: '2001:db8:2::/48', remotePrefix: '2001:db8:1::/48', innerProtocol: 'any' },
    protocolParameters: 'esp',
    mode: 'transport',
    espSa: {
      encryption: { algorithm: ENCR.AES_CBC, key: CBC_KEY, iv: CBC_IV },
      integrity: { algorithm: AUTH.HMAC_SHA2_256_128, key: HMAC_KEY },
    },
  };
}

/** Outbound protect policy with every leaf of `ipsec-sa-cfg`. */
export function protectSpdEntry(): SpdEntry {
  return {
    name: 'out/tunnel/10.1.0.0_24-10.2.0.0_24',
    direction: 'outbound',
    reqid: BIG_REQID,
    antiReplayWindowSize: 128,
    trafficSelector: { localPrefix: '10.1.0.0/24', remotePrefix: '10.2.0.0/24', innerProtocol: 6, localPorts: [{ start: 1024, end: 2048 }] },
    action: 'protect',
    saCfg: {
      pfpFlag: true,
      extSeqNum: true,
      seqOverflow: false,
      statefulFragCheck: true,
      mode: 'tunnel',
      protocolParameters: 'esp',
      integrity: [AUTH.HMAC_SHA2_256_128, AUTH.NONE],
      encryption: [
        { id: 1, algorithmType: ENCR.AES_GCM_16, keyLength: 256 },
        { id: 2, algorithmType: ENCR.AES_CBC, keyLength: 128 },
      ],
      tfcPad: true,
      tunnel: { local: '198.51.100.1', remote: '198.51.100.2', dfBit: 'set', bypassDscp: false, dscpMapping: [{ id: 0, innerDscp: 0, outerDscp: 8 }] },
    },
  };
}

/** Inbound bypass policy (no `ipsec-sa-cfg`). */
export function bypassSpdEntry(): SpdEntry {
  return {
    name: 'in/bypass/ike',
    direction: 'inbound',
    reqid: 0n,
    antiReplayWindowSize: 64,
    trafficSelector: { localPrefix: '0.0.0.0/0', remotePrefix: '0.0.0.0/0', innerProtocol: 17, remotePorts: [{ start: 500, end: 500 }] },
    action: 'bypass',
  };
}

/** A configuration with both suites and both kinds of policy. */
export function fullConfig(): IkelessConfig {
  return { spd: [protectSpdEntry(), bypassSpdEntry()], sad: [gcmSadEntry(), cbcSadEntry()] };
}

/** Every way a key could show up in text: colon hex, plain hex (both cases), base64, decimal list. */
export function keyRenderings(): string[] {
  return ALL_KEYS.flatMap((k) => {
    const hex = Buffer.from(k).toString('hex');
    return [Array.from(k, (b) => b.toString(16).padStart(2, '0')).join(':'), hex, hex.toUpperCase(), Buffer.from(k).toString('base64'), Array.from(k).join(',')];
  });
}

/** Fails the test if any rendering of a test key appears in `text`. */
export function expectNoKeys(text: string): void {
  for (const r of keyRenderings()) {
    if (text.toLowerCase().includes(r.toLowerCase())) throw new Error(`key material found in text: ${text.slice(0, 200)}`);
  }
}
