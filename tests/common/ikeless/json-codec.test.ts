import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IKELESS_JSON_MEMBER,
  ipsecConfigFromJson,
  ipsecConfigToJson,
  notificationFromJson,
  notificationToJson,
  sadEntryFromJson,
  sadEntryToJson,
  spdEntryFromJson,
  spdEntryToJson,
  type IkelessNotification,
  type SadEntry,
} from '../../../common/ikeless/index.js';
import { BIG_REQID, cbcSadEntry, expectNoKeys, fullConfig, gcmSadEntry, GCM_KEY, protectSpdEntry } from './fixtures.js';
import { EXAMPLES_DIR, yanglint } from './yanglint.js';

const roundTrip = (obj: unknown): unknown => JSON.parse(JSON.stringify(obj));
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test access into decoded JSON

describe('RFC 7951 JSON codec', () => {
  it('round-trips a full configuration (bigint reqid > 2^53, every optional leaf, both suites)', () => {
    const cfg = fullConfig();
    const json = ipsecConfigToJson(cfg, { withKeys: true });
    yanglint('config', JSON.stringify(json), 'json');
    expect(ipsecConfigFromJson(roundTrip(json))).toEqual(cfg);
  });

  it('writes RFC 7951 types: uint64 as strings, uint32 as numbers, hex-string keys, booleans, union', () => {
    const json = ipsecConfigToJson(fullConfig(), { withKeys: true }) as J;
    const sad = json[IKELESS_JSON_MEMBER].sad['sad-entry'];
    expect(sad[0].reqid).toBe(BIG_REQID.toString());
    expect(sad[0]['ipsec-sa-config'].spi).toBe(4294967294);
    expect(sad[0]['ipsec-sa-config']['ext-seq-num']).toBe(true);
    expect(sad[0]['ipsec-sa-config']['sa-lifetime-hard']).toEqual({ time: 3600, bytes: String(2n ** 40n), packets: 4000000000, idle: 600 });
    expect(sad[0]['ipsec-sa-config']['traffic-selector']['inner-protocol']).toBe(17);
    expect(sad[1]['ipsec-sa-config']['traffic-selector']['inner-protocol']).toBe('any');
    expect(sad[0]['ipsec-sa-config']['esp-sa'].encryption.key).toBe(Array.from(GCM_KEY, (b) => b.toString(16).padStart(2, '0')).join(':'));
    expect(sad[0]['ipsec-sa-config']['esp-sa'].integrity).toEqual({ 'integrity-algorithm': 0 });
  });

  it('produces documents yanglint accepts, in the order and form libyang prints them', () => {
    const text = JSON.stringify(ipsecConfigToJson(fullConfig(), { withKeys: true }));
    const reprint = yanglint('config', text, 'json');
    expect(JSON.stringify(JSON.parse(reprint))).toBe(text);
  });

  it('leaves every key leaf out with withKeys: false', () => {
    const json = ipsecConfigToJson(fullConfig(), { withKeys: false });
    const text = JSON.stringify(json);
    yanglint('config', text, 'json');
    expect(text).not.toMatch(/"key"|"iv"/);
    expectNoKeys(text);
    const back = ipsecConfigFromJson(roundTrip(json));
    expect(back.sad[0]!.espSa.encryption.key).toBeUndefined();
    expect(back.sad[1]!.espSa.integrity.key).toBeUndefined();
    expect(back.sad[1]!.espSa.encryption.iv).toBeUndefined();
    expect(back.sad[1]!.espSa.encryption.algorithm).toBe(12);
  });

  it('reads the empty configuration and fills the SAD and SPD defaults, which differ', () => {
    expect(ipsecConfigFromJson({})).toEqual({ spd: [], sad: [] });
    const cfg = ipsecConfigFromJson({
      [IKELESS_JSON_MEMBER]: {
        spd: { 'spd-entry': [{ name: 'p', direction: 'outbound', 'ipsec-policy-config': { 'traffic-selector': { 'local-prefix': '10.0.0.0/8', 'remote-prefix': '10.0.0.0/8' }, 'processing-info': { action: 'protect', 'ipsec-sa-cfg': { 'esp-algorithms': { encryption: [{ id: 1 }] } } } } }] },
        sad: { 'sad-entry': [{ name: 's', 'ipsec-sa-config': { spi: 1, 'traffic-selector': { 'local-prefix': '10.0.0.0/8', 'remote-prefix': '10.0.0.0/8' } } }] },
      },
    });
    const sa = cfg.sad[0]!;
    expect(sa).toMatchObject({ reqid: 0n, extSeqNum: true, seqOverflow: false, antiReplayWindowSize: 64, mode: 'transport' });
    expect(sa.espSa).toEqual({ encryption: { algorithm: 12 }, integrity: { algorithm: 12 } });
    expect(sa.trafficSelector.innerProtocol).toBe('any');
    const sp = cfg.spd[0]!;
    expect(sp.saCfg).toMatchObject({ extSeqNum: false, mode: 'transport', integrity: [0], encryption: [{ id: 1, algorithmType: 20, keyLength: 128 }], tfcPad: false });
    expect(ipsecConfigFromJson({ [IKELESS_JSON_MEMBER]: { spd: { 'spd-entry': [{ name: 'd', direction: 'inbound', 'ipsec-policy-config': { 'traffic-selector': { 'local-prefix': '10.0.0.0/8', 'remote-prefix': '10.0.0.0/8' } } }] } } }).spd[0]!.action).toBe('discard');
  });

  it('writes inner protocol 256 as "any"', () => {
    const e: SadEntry = { ...cbcSadEntry(), trafficSelector: { localPrefix: '10.0.0.0/8', remotePrefix: '10.0.0.0/8', innerProtocol: 256 } };
    const j = sadEntryToJson(e, { withKeys: false }) as J;
    expect(j['ipsec-sa-config']['traffic-selector']['inner-protocol']).toBe('any');
    yanglint('config', JSON.stringify({ [IKELESS_JSON_MEMBER]: { sad: { 'sad-entry': [j] } } }), 'json');
    expect(sadEntryFromJson(roundTrip(j)).trafficSelector.innerProtocol).toBe('any');
  });

  it('encodes single SAD/SPD entries for controller → proxy messages', () => {
    const sa = gcmSadEntry();
    const j = sadEntryToJson(sa, { withKeys: true }) as J;
    expect(Object.keys(j)).toEqual(['name', 'reqid', 'ipsec-sa-config']);
    expect(sadEntryFromJson(roundTrip(j))).toEqual(sa);
    const noKeys = sadEntryToJson(sa, { withKeys: false });
    expectNoKeys(JSON.stringify(noKeys));
    const sp = protectSpdEntry();
    expect(spdEntryFromJson(roundTrip(spdEntryToJson(sp)))).toEqual(sp);
    // The same entries, wrapped, form a valid document.
    for (const sadEntry of [j, noKeys]) {
      const doc = { [IKELESS_JSON_MEMBER]: { spd: { 'spd-entry': [spdEntryToJson(sp)] }, sad: { 'sad-entry': [sadEntry] } } };
      yanglint('config', JSON.stringify(doc), 'json');
    }
  });

  it('encodes and decodes the notifications, valid for yanglint -t notif', () => {
    const all: IkelessNotification[] = [
      { type: 'sadb-expire', ipsecSaName: 'sa-1', softLifetimeExpire: false, lifetimeCurrent: { time: 10, bytes: 2n ** 62n, packets: 3, idle: 1 } },
      { type: 'sadb-acquire', ipsecPolicyName: 'p-1', trafficSelector: { localPrefix: '10.0.0.1/32', remotePrefix: '10.0.0.2/32', innerProtocol: 6, localPorts: [{ start: 80, end: 80 }] } },
      { type: 'sadb-seq-overflow', ipsecSaName: 'sa-2' },
      { type: 'sadb-bad-spi', spi: 4294967295 },
    ];
    for (const n of all) {
      const j = notificationToJson(n);
      expect(Object.keys(j)).toEqual([`ietf-i2nsf-ikeless:${n.type}`]);
      yanglint('notif', JSON.stringify(j), 'json');
      expect(notificationFromJson(roundTrip(j))).toEqual(n);
    }
    expect(notificationFromJson({ 'ietf-i2nsf-ikeless:sadb-expire': { 'ipsec-sa-name': 'x' } })).toEqual({ type: 'sadb-expire', ipsecSaName: 'x', softLifetimeExpire: true });
    expect(() => notificationFromJson({ 'ietf-i2nsf-ikeless:sadb-nope': {} })).toThrow(/must have one member/);
  });

  it('decodes the shared example to the values it describes', () => {
    const cfg = ipsecConfigFromJson(JSON.parse(readFileSync(join(EXAMPLES_DIR, 'sad-spd-tunnel.json'), 'utf8')));
    expect(cfg.sad[0]).toMatchObject({ spi: 4097, reqid: 1n, mode: 'tunnel', extSeqNum: false, lifetimeSoft: { time: 3000, action: 'replace' } });
    expect(Array.from(cfg.sad[0]!.espSa.encryption.key!)).toEqual([...Array.from({ length: 32 }, (_, i) => i), 0xa0, 0xa1, 0xa2, 0xa3]);
    expect(cfg.spd[0]!.saCfg).toMatchObject({ integrity: [0], encryption: [{ id: 1, algorithmType: 20, keyLength: 256 }] });
  });
});
