/**
 * The CCIPS controller (nfvo/ccips/controller.ts, suites.ts): the SAD/SPD
 * entries of one tunnel per RFC 9061's IKE-less case, split into the
 * inbound-first installation phases, with key bindings but never keys.
 * Every edit, as RFC 7951 JSON without keys and as NETCONF XML, is checked
 * with yanglint against the RFC 9061 modules (`-t config`).
 */
import { serializeXml } from '../../../common/netconf/xml-element.js';
import { ValidationError } from '../../../common/index.js';
import { AUTH, ENCR, ipsecConfigFromJson, ipsecConfigToJson, ipsecConfigToXml, type SadEntry, type SpdEntry } from '../../../common/ikeless/index.js';
import { computeTunnelSas, espSuite, mergeRouterEdits, sadEntryName, spdEntryName, SpiAllocator, suiteForAlgorithms, tunnelEntryNames, type TunnelEnd, type TunnelPolicy, type TunnelSas } from '../../../nfvo/ccips/index.js';
import { constants as nsdConstants } from '../../../nsd/index.js';
import { yanglint } from '../../common/ikeless/yanglint.js';
import { memberNames } from '../json-members.js';

const A: TunnelEnd = { vnfId: 'site-a', tunnelAddress: '198.51.100.1', lanSubnet: '10.1.0.0/24' };
const B: TunnelEnd = { vnfId: 'site-b', tunnelAddress: '198.51.100.2', lanSubnet: '10.2.0.0/24' };
const C: TunnelEnd = { vnfId: 'site-c', tunnelAddress: '198.51.100.3', lanSubnet: '10.3.0.0/24' };
const END_OF = new Map([A, B, C].map((e) => [e.vnfId, e]));

const SUITES = ['AES-GCM-16-256', 'AES-GCM-16-128', 'AES-CBC-256-HMAC-SHA-256-128', 'AES-CBC-128-HMAC-SHA-256-128'] as const;

const policy = (encryption: string, extra: Partial<TunnelPolicy> = {}): TunnelPolicy => ({
  encryption,
  esn: false,
  replayWindow: 64,
  lifetimeSoft: { time: 3000 },
  lifetimeHard: { time: 3600 },
  ...extra,
});

const allSad = (t: TunnelSas): SadEntry[] => [...t.inbound, ...t.outbound].flatMap((e) => e.sad);
const allSpd = (t: TunnelSas): SpdEntry[] => [...t.inbound, ...t.outbound].flatMap((e) => e.spd);


describe('SpiAllocator', () => {
  it('hands out SPIs ≥ 256 (RFC 4303 §2.1), within uint32, unique per router', () => {
    const spis = new SpiAllocator();
    const got = Array.from({ length: 2000 }, () => spis.allocate('r'));
    expect(new Set(got).size).toBe(got.length);
    expect(got.every((s) => Number.isInteger(s))).toBe(true);
    expect(Math.min(...got)).toBeGreaterThanOrEqual(256);
    expect(Math.max(...got)).toBeLessThanOrEqual(0xffffffff);
    // Another router has its own space: allocating there does not consume 'r''s SPIs.
    expect(spis.allocate('other')).toBeGreaterThanOrEqual(256);
  });

  it('is random: two allocators do not produce the same sequence, and values spread over the range', () => {
    const a = Array.from({ length: 8 }, () => new SpiAllocator().allocate('r'));
    expect(new Set(a).size).toBe(8);
    const spis = new SpiAllocator();
    const many = Array.from({ length: 1000 }, () => spis.allocate('r'));
    expect(many.filter((s) => s > 0x80000000).length).toBeGreaterThan(400);
    expect(many.filter((s) => s < 0x80000000).length).toBeGreaterThan(400);
  });
});

describe('computeTunnelSas', () => {
  it.each(SUITES)('%s: two SAs with SPIs chosen by their receivers, reqids linking SA and policy', (suiteName) => {
    const spis = new SpiAllocator();
    const t = computeTunnelSas('site-a--site-b', A, B, policy(suiteName), spis, 7n);
    const suite = espSuite(suiteName);
    expect(t.tunnelId).toBe('site-a--site-b');
    expect(t.spiOut).toBeGreaterThanOrEqual(256);
    expect(t.spiIn).toBeGreaterThanOrEqual(256);

    const sas = new Map(allSad(t).map((s) => [s.name, s]));
    expect(sas.size).toBe(2);
    const out = sas.get(sadEntryName('site-a--site-b', 'site-a', 'site-b', t.spiOut))!;
    const inn = sas.get(sadEntryName('site-a--site-b', 'site-b', 'site-a', t.spiIn))!;
    // master → peer: from A's LAN to B's LAN, A's tunnel endpoint to B's.
    expect(out).toMatchObject({ spi: t.spiOut, reqid: 7n, trafficSelector: { localPrefix: '10.1.0.0/24', remotePrefix: '10.2.0.0/24' }, tunnel: { local: '198.51.100.1', remote: '198.51.100.2' } });
    expect(inn).toMatchObject({ spi: t.spiIn, reqid: 8n, trafficSelector: { localPrefix: '10.2.0.0/24', remotePrefix: '10.1.0.0/24' }, tunnel: { local: '198.51.100.2', remote: '198.51.100.1' } });
    for (const sa of [out, inn]) {
      expect(sa).toMatchObject({ protocolParameters: 'esp', mode: 'tunnel' });
      expect(sa.espSa).toEqual({ encryption: { algorithm: suite.encryptionAlgorithm }, integrity: { algorithm: suite.integrityAlgorithm } });
    }

    // Each policy protects the same flow as the SA with its reqid, in the same tunnel.
    const spd = allSpd(t);
    expect(spd).toHaveLength(4);
    for (const p of spd) {
      const sa = [out, inn].find((s) => s.reqid === p.reqid)!;
      expect(sa).toBeDefined();
      expect(p.trafficSelector).toEqual(sa.trafficSelector);
      expect(p.saCfg!.tunnel).toEqual({ local: sa.tunnel!.local, remote: sa.tunnel!.remote, dfBit: 'clear', bypassDscp: true });
      expect(p.action).toBe('protect');
      expect(p.saCfg!.encryption).toEqual([{ id: 1, algorithmType: suite.encryptionAlgorithm, keyLength: suite.keyLengthBits }]);
      expect(p.saCfg!.integrity).toEqual([suite.integrityAlgorithm]);
    }
    // One inbound and one outbound policy per flow.
    expect(spd.filter((p) => p.reqid === 7n).map((p) => p.direction).sort()).toEqual(['inbound', 'outbound']);
    expect(spd.filter((p) => p.reqid === 8n).map((p) => p.direction).sort()).toEqual(['inbound', 'outbound']);
  });

  it('the inbound phase holds exactly the SA towards each router and its inbound policy; outbound the rest', () => {
    const t = computeTunnelSas('site-a--site-b', A, B, policy('AES-GCM-16-256'), new SpiAllocator(), 1n);
    expect(t.inbound.map((e) => e.vnfId)).toEqual(['site-a', 'site-b']);
    expect(t.outbound.map((e) => e.vnfId)).toEqual(['site-a', 'site-b']);
    for (const e of t.inbound) {
      const me = END_OF.get(e.vnfId)!;
      expect(e.sad).toHaveLength(1);
      expect(e.sad[0]!.tunnel!.remote).toBe(me.tunnelAddress);
      expect(e.sad[0]!.trafficSelector.remotePrefix).toBe(me.lanSubnet);
      expect(e.spd.map((p) => p.direction)).toEqual(['inbound']);
      expect(e.spd[0]!.reqid).toBe(e.sad[0]!.reqid);
    }
    for (const e of t.outbound) {
      const me = END_OF.get(e.vnfId)!;
      expect(e.sad).toHaveLength(1);
      expect(e.sad[0]!.tunnel!.local).toBe(me.tunnelAddress);
      expect(e.sad[0]!.trafficSelector.localPrefix).toBe(me.lanSubnet);
      expect(e.spd.map((p) => p.direction)).toEqual(['outbound']);
      expect(e.spd[0]!.reqid).toBe(e.sad[0]!.reqid);
    }
    // The SA a router receives in the inbound phase is the one its peer sends in the outbound phase.
    expect(t.inbound[0]!.sad[0]).toEqual(t.outbound[1]!.sad[0]);
    expect(t.inbound[1]!.sad[0]).toEqual(t.outbound[0]!.sad[0]);
    expect(t.inbound[0]!.sad[0]!.spi).toBe(t.spiIn);
    expect(t.inbound[1]!.sad[0]!.spi).toBe(t.spiOut);
  });

  it.each(SUITES)('%s: key bindings name each SAD entry, direction out = master → peer, the suite key length', (suiteName) => {
    const t = computeTunnelSas('tun', A, B, policy(suiteName), new SpiAllocator(), 1n);
    for (const e of [...t.inbound, ...t.outbound]) {
      expect(e.keyBindings.map((b) => b.sadName)).toEqual(e.sad.map((s) => s.name));
      for (const b of e.keyBindings) {
        const sa = e.sad.find((s) => s.name === b.sadName)!;
        const masterToPeer = sa.tunnel!.local === A.tunnelAddress;
        expect(b).toEqual({ sadName: sa.name, tunnelId: 'tun', direction: masterToPeer ? 'out' : 'in', keyLengthBits: espSuite(suiteName).keyLengthBits });
      }
    }
    // Both ends bind the same SA to the same direction label (same derived bytes).
    const dirs = new Map<string, Set<string>>();
    for (const e of [...t.inbound, ...t.outbound]) for (const b of e.keyBindings) dirs.set(b.sadName, (dirs.get(b.sadName) ?? new Set()).add(b.direction));
    expect([...dirs.values()].map((d) => [...d])).toEqual(expect.arrayContaining([['in'], ['out']]));
    expect(dirs.size).toBe(2);
  });

  it('copies lifetimes, ESN and replay window from the policy; soft lifetime action defaults to replace', () => {
    const t = computeTunnelSas('tun', A, B, policy('AES-GCM-16-256', { esn: true, replayWindow: 1024, lifetimeSoft: { time: 100, bytes: 10n ** 12n, packets: 5000 }, lifetimeHard: { time: 200, bytes: 2n * 10n ** 12n, packets: 9000 } }), new SpiAllocator(), 1n);
    for (const sa of allSad(t)) {
      expect(sa.extSeqNum).toBe(true);
      expect(sa.seqOverflow).toBe(false);
      expect(sa.antiReplayWindowSize).toBe(1024);
      expect(sa.lifetimeSoft).toEqual({ action: 'replace', time: 100, bytes: 10n ** 12n, packets: 5000 });
      expect(sa.lifetimeHard).toEqual({ time: 200, bytes: 2n * 10n ** 12n, packets: 9000 });
    }
    for (const p of allSpd(t)) {
      expect(p.antiReplayWindowSize).toBe(1024);
      expect(p.saCfg!.extSeqNum).toBe(true);
    }
    const other = computeTunnelSas('tun', A, B, policy('AES-GCM-16-256', { esn: false, replayWindow: 0, lifetimeSoft: { time: 1, action: 'terminate-clear' } }), new SpiAllocator(), 1n);
    for (const sa of allSad(other)) expect(sa).toMatchObject({ extSeqNum: false, antiReplayWindowSize: 0, lifetimeSoft: { time: 1, action: 'terminate-clear' } });
    // The returned entries do not share the policy's objects.
    const pol = policy('AES-GCM-16-256');
    const t2 = computeTunnelSas('tun', A, B, pol, new SpiAllocator(), 1n);
    pol.lifetimeHard.time = 1;
    expect(allSad(t2)[0]!.lifetimeHard!.time).toBe(3600);
  });

  it('names: tunnelEntryNames matches what computeTunnelSas produced, per router and in order', () => {
    const t = computeTunnelSas('site-a--site-b', A, B, policy('AES-GCM-16-256'), new SpiAllocator(), 1n);
    const names = tunnelEntryNames({ id: 'site-a--site-b', master: 'site-a', peer: 'site-b', spiOut: t.spiOut, spiIn: t.spiIn });
    expect(names).toEqual(t.names);
    expect(t.names['site-a']).toEqual({
      sad: [sadEntryName('site-a--site-b', 'site-b', 'site-a', t.spiIn), sadEntryName('site-a--site-b', 'site-a', 'site-b', t.spiOut)],
      spd: [spdEntryName('site-a--site-b', 'site-b', 'site-a', 'inbound'), spdEntryName('site-a--site-b', 'site-a', 'site-b', 'outbound')],
    });
    expect(sadEntryName('t', 'a', 'b', 4097)).toBe('t/a-b/4097');
    expect(spdEntryName('t', 'a', 'b', 'outbound')).toBe('t/a-b/out');
    expect(spdEntryName('t', 'a', 'b', 'inbound')).toBe('t/a-b/in');
    // Every name is unique on its router.
    for (const [vnf, n] of Object.entries(t.names)) {
      const onRouter = [...t.inbound, ...t.outbound].filter((e) => e.vnfId === vnf);
      expect(n.sad).toEqual(onRouter.flatMap((e) => e.sad.map((s) => s.name)));
      expect(n.spd).toEqual(onRouter.flatMap((e) => e.spd.map((s) => s.name)));
      expect(new Set(n.spd).size).toBe(2);
    }
  });

  it('a full mesh of three tunnels: inbound SPIs unique on every router, reqids unique in the NS', () => {
    const spis = new SpiAllocator();
    const tunnels = [
      computeTunnelSas('site-a--site-b', A, B, policy('AES-GCM-16-256'), spis, 1n),
      computeTunnelSas('site-a--site-c', A, C, policy('AES-GCM-16-256'), spis, 3n),
      computeTunnelSas('site-b--site-c', B, C, policy('AES-GCM-16-256'), spis, 5n),
    ];
    for (const r of ['site-a', 'site-b', 'site-c']) {
      const inbound = tunnels.flatMap((t) => t.inbound.filter((e) => e.vnfId === r).flatMap((e) => e.sad.map((s) => s.spi)));
      expect(inbound).toHaveLength(2);
      expect(new Set(inbound).size).toBe(2);
    }
    const reqids = tunnels.flatMap((t) => allSad(t).map((s) => s.reqid));
    expect(new Set(reqids).size).toBe(6);
  });

  it('refuses an unknown suite, naming the known ones', () => {
    expect(() => computeTunnelSas('t', A, B, policy('CHACHA20-POLY1305'), new SpiAllocator(), 1n)).toThrow(ValidationError);
    expect(() => espSuite('3DES')).toThrow(/unknown ESP suite '3DES' \(known: AES-GCM-16-256, AES-GCM-16-128, AES-CBC-256-HMAC-SHA-256-128, AES-CBC-128-HMAC-SHA-256-128\)/);
  });
});

describe('suites', () => {
  it('map to IANA transform ids and the key bytes the Proxy Agent fills (RFC 4106 salt for GCM)', () => {
    expect(espSuite('AES-GCM-16-256')).toMatchObject({ encryptionAlgorithm: ENCR.AES_GCM_16, integrityAlgorithm: AUTH.NONE, keyLengthBits: 256, encKeyBytes: 36, integKeyBytes: 0 });
    expect(espSuite('AES-GCM-16-128')).toMatchObject({ encryptionAlgorithm: 20, integrityAlgorithm: 0, keyLengthBits: 128, encKeyBytes: 20, integKeyBytes: 0 });
    expect(espSuite('AES-CBC-256-HMAC-SHA-256-128')).toMatchObject({ encryptionAlgorithm: 12, integrityAlgorithm: 12, keyLengthBits: 256, encKeyBytes: 32, integKeyBytes: 32 });
    expect(espSuite('AES-CBC-128-HMAC-SHA-256-128')).toMatchObject({ encryptionAlgorithm: 12, integrityAlgorithm: 12, keyLengthBits: 128, encKeyBytes: 16, integKeyBytes: 32 });
    for (const name of SUITES) {
      const s = espSuite(name);
      expect(s.name).toBe(name);
      expect(s.encKeyBytes).toBe(s.keyLengthBits / 8 + (s.encryptionAlgorithm === ENCR.AES_GCM_16 ? 4 : 0));
      expect(suiteForAlgorithms(s.encryptionAlgorithm, s.integrityAlgorithm, s.encKeyBytes)).toBe(s);
    }
    // Every ESP transform an NSD security profile may name has a suite.
    expect([...nsdConstants.ESP_ENCRYPTIONS].sort()).toEqual([...SUITES].sort());
    expect(espSuite(nsdConstants.DEFAULT_ESP_ENCRYPTION).name).toBe('AES-GCM-16-256');
    expect(suiteForAlgorithms(ENCR.AES_GCM_16, AUTH.NONE, 32)).toBeUndefined();
    expect(suiteForAlgorithms(ENCR.AES_CBC, AUTH.NONE, 32)).toBeUndefined();
  });
});

describe('every generated edit is valid RFC 9061 configuration (yanglint -t config) and carries no keys', () => {
  it.each(SUITES)('%s', (suiteName) => {
    const t = computeTunnelSas('site-a--site-b', A, B, policy(suiteName, { esn: suiteName.startsWith('AES-CBC-256'), lifetimeSoft: { time: 3000, bytes: 2n ** 40n, packets: 1000000 }, lifetimeHard: { time: 3600, bytes: 2n ** 41n } }), new SpiAllocator(), 2n ** 60n);
    const perRouter = new Map<string, { sad: SadEntry[]; spd: SpdEntry[] }>();
    for (const e of [...t.inbound, ...t.outbound]) {
      const json = ipsecConfigToJson({ sad: e.sad, spd: e.spd }, { withKeys: false });
      const text = JSON.stringify(json);
      const names = memberNames(json);
      expect(names.has('ietf-i2nsf-ikeless:ipsec-ikeless')).toBe(true);
      expect(names.has('sad-entry') && names.has('spd-entry')).toBe(true);
      expect(names.has('key')).toBe(false);
      expect(names.has('iv')).toBe(false);
      yanglint('config', text, 'json');
      // What the Proxy Agent decodes is what the controller computed.
      expect(ipsecConfigFromJson(JSON.parse(text))).toEqual({ sad: e.sad, spd: e.spd });

      const xml = serializeXml(ipsecConfigToXml({ sad: e.sad, spd: e.spd }, { withKeys: false }));
      expect(xml).not.toMatch(/<key[ >]/);
      expect(xml).not.toMatch(/<iv[ >]/);
      yanglint('config', xml, 'xml');

      const r = perRouter.get(e.vnfId) ?? { sad: [], spd: [] };
      r.sad.push(...e.sad);
      r.spd.push(...e.spd);
      perRouter.set(e.vnfId, r);
    }
    // The whole configuration a router ends up with is valid too (names unique, leafrefs fine).
    for (const cfg of perRouter.values()) {
      expect(cfg.sad).toHaveLength(2);
      yanglint('config', serializeXml(ipsecConfigToXml(cfg, { withKeys: false })), 'xml');
    }
  });
});

describe('mergeRouterEdits', () => {
  it('gives one edit per router, in first-seen order, with every entry and key binding in order', () => {
    const sa = (name: string) => ({ name }) as unknown as SadEntry;
    const sp = (name: string) => ({ name }) as unknown as SpdEntry;
    const kb = (sadName: string, tunnelId: string) => ({ sadName, tunnelId, direction: 'in' as const, keyLengthBits: 256 });
    const merged = mergeRouterEdits([
      { vnfId: 'b', sad: [sa('t1/b')], spd: [sp('p1/b')], keyBindings: [kb('t1/b', 't1')] },
      { vnfId: 'a', sad: [sa('t1/a')], spd: [], keyBindings: [kb('t1/a', 't1')] },
      { vnfId: 'b', sad: [sa('t2/b')], spd: [sp('p2/b')], keyBindings: [kb('t2/b', 't2')] },
    ]);
    expect(merged.map((e) => e.vnfId)).toEqual(['b', 'a']);
    expect(merged[0]!.sad.map((e) => e.name)).toEqual(['t1/b', 't2/b']);
    expect(merged[0]!.spd.map((e) => e.name)).toEqual(['p1/b', 'p2/b']);
    expect(merged[0]!.keyBindings.map((k) => k.tunnelId)).toEqual(['t1', 't2']);
    expect(merged[1]!.sad.map((e) => e.name)).toEqual(['t1/a']);
    expect(mergeRouterEdits([])).toEqual([]);
  });
});
