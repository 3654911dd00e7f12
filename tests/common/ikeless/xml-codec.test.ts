import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { elem, parseXml, serializeXml } from '../../../common/netconf/xml-element.js';
import {
  IKELESS_NS,
  ipsecConfigFromJson,
  ipsecConfigFromXml,
  ipsecConfigToXml,
  ipsecDataToXml,
  ipsecStateFromXml,
  NETCONF_NOTIFICATION_NS,
  notificationFromXml,
  notificationToXml,
  ipsecConfigToJson,
  type IkelessNotification,
  type SadEntryState,
} from '../../../common/ikeless/index.js';
import { ValidationError } from '../../../common/index.js';
import { cbcSadEntry, expectNoKeys, fullConfig, gcmSadEntry } from './fixtures.js';
import { EXAMPLES_DIR, yanglint } from './yanglint.js';

const state = (name: string, seq: bigint): SadEntryState => ({
  name,
  lifetimeCurrent: { time: 12, bytes: 2n ** 50n, packets: 99, idle: 3 },
  replayStats: { replayWindow: { w: 64, t: 1000, b: 937 }, packetDropped: 5, failed: 2, seqNumberCounter: seq },
});

describe('NETCONF XML codec: configuration', () => {
  it('decodes the shared XML and JSON examples to the same configuration', () => {
    const fromXml = ipsecConfigFromXml(parseXml(readFileSync(join(EXAMPLES_DIR, 'sad-spd-tunnel.xml'), 'utf8')));
    const fromJson = ipsecConfigFromJson(JSON.parse(readFileSync(join(EXAMPLES_DIR, 'sad-spd-tunnel.json'), 'utf8')));
    expect(fromXml.sad).toHaveLength(1);
    expect(fromXml.spd).toHaveLength(1);
    expect(fromXml).toEqual(fromJson);
    expect(fromXml.sad[0]!.tunnel).toEqual({ local: '198.51.100.1', remote: '198.51.100.2', dfBit: 'clear', bypassDscp: true });
  });

  it('round-trips a full configuration through XML text', () => {
    const cfg = fullConfig();
    const text = serializeXml(ipsecConfigToXml(cfg, { withKeys: true }));
    expect(text.startsWith(`<ipsec-ikeless xmlns="${IKELESS_NS}">`)).toBe(true);
    yanglint('config', text, 'xml');
    expect(ipsecConfigFromXml(parseXml(text))).toEqual(cfg);
  });

  it('writes elements in YANG order: yanglint -t config accepts it and reprints the same tree', () => {
    const text = serializeXml(ipsecConfigToXml(fullConfig(), { withKeys: true }));
    expect(parseXml(yanglint('config', text, 'xml'))).toEqual(parseXml(text));
    // libyang's JSON for our XML is exactly our JSON encoding of the same configuration
    expect(JSON.parse(yanglint('config', text, 'xml', 'json'))).toEqual(ipsecConfigToJson(fullConfig(), { withKeys: true }));
    expect(yanglint('config', text, 'xml', 'json')).toBe(`${JSON.stringify(ipsecConfigToJson(fullConfig(), { withKeys: true }), null, 2)}\n`);
  });

  it('leaves every key leaf out with withKeys: false', () => {
    const text = serializeXml(ipsecConfigToXml(fullConfig(), { withKeys: false }));
    yanglint('config', text, 'xml');
    expect(text).not.toMatch(/<key>|<iv>/);
    expectNoKeys(text);
  });

  it('reads a get-config <data> wrapper, and an empty one as the empty configuration', () => {
    const inner = ipsecConfigToXml({ spd: [], sad: [cbcSadEntry()] }, { withKeys: true });
    yanglint('config', serializeXml(inner), 'xml');
    const data = elem('data', 'urn:ietf:params:xml:ns:netconf:base:1.0', [inner]);
    expect(ipsecConfigFromXml(parseXml(serializeXml(data))).sad).toEqual([cbcSadEntry()]);
    expect(ipsecConfigFromXml(elem('data', 'urn:ietf:params:xml:ns:netconf:base:1.0'))).toEqual({ spd: [], sad: [] });
  });

  it('accepts prefixed elements (namespaces resolved, not matched by tag text)', () => {
    const plain = serializeXml(ipsecConfigToXml({ spd: [], sad: [gcmSadEntry()] }, { withKeys: true }));
    yanglint('config', plain, 'xml');
    const text = plain
      .replace(/<(\/?)([a-z-]+)/g, '<$1i:$2')
      .replace(` xmlns="${IKELESS_NS}"`, ` xmlns:i="${IKELESS_NS}"`);
    expect(text.startsWith('<i:ipsec-ikeless xmlns:i=')).toBe(true);
    expect(ipsecConfigFromXml(parseXml(text)).sad[0]).toEqual(gcmSadEntry());
  });

  it('refuses an ipsec-ikeless element in another namespace', () => {
    expect(() => ipsecConfigFromXml(parseXml('<ipsec-ikeless xmlns="urn:other"/>'))).toThrow(ValidationError);
  });
});

describe('NETCONF XML codec: state data for <get>', () => {
  it('puts ipsec-sa-state inside each SAD entry, valid for yanglint -t get and -t data, and reads it back', () => {
    const cfg = fullConfig();
    const states = [state(cfg.sad[1]!.name, 2n ** 63n + 1n), state(cfg.sad[0]!.name, 5n)];
    const text = serializeXml(ipsecDataToXml(cfg, states, { withKeys: false }));
    expectNoKeys(text);
    yanglint('get', text, 'xml');
    expect(parseXml(yanglint('data', text, 'xml'))).toEqual(parseXml(text));
    // state comes back in document order (SAD order), config reads the same reply
    expect(ipsecStateFromXml(parseXml(text))).toEqual([states[1], states[0]]);
    expect(ipsecConfigFromXml(parseXml(text)).sad[1]!.name).toBe(cfg.sad[1]!.name);
  });

  it('refuses state for an unknown entry and counters above 2^53 - 1', () => {
    expect(() => ipsecDataToXml(fullConfig(), [state('nope', 1n)], { withKeys: false })).toThrow(/state\[0\]: names no SAD entry/);
    const one = serializeXml(ipsecDataToXml(fullConfig(), [state(gcmSadEntry().name, 1n)], { withKeys: false }));
    yanglint('get', one, 'xml');
    const big = one.replace('<failed>2</failed>', '<failed>9007199254740993</failed>');
    yanglint('get', big, 'xml'); // valid uint64 for YANG, but more than a JS number holds
    expect(() => ipsecStateFromXml(parseXml(big))).toThrow(/sad-entry\[0\]\.ipsec-sa-state\.replay-stats\.failed: must be an integer 0\.\.9007199254740991/);
  });

  it('reads missing state counters as 0 (lifetime defaults are 0 in YANG)', () => {
    const xml = `<ipsec-ikeless xmlns="${IKELESS_NS}"><sad><sad-entry><name>a</name><ipsec-sa-state><replay-stats><seq-number-counter>18446744073709551615</seq-number-counter></replay-stats></ipsec-sa-state></sad-entry></sad></ipsec-ikeless>`;
    yanglint('get', xml, 'xml');
    expect(ipsecStateFromXml(parseXml(xml))).toEqual([
      {
        name: 'a',
        lifetimeCurrent: { time: 0, bytes: 0n, packets: 0, idle: 0 },
        replayStats: { replayWindow: { w: 0, t: 0, b: 0 }, packetDropped: 0, failed: 0, seqNumberCounter: 2n ** 64n - 1n },
      },
    ]);
  });
});

describe('NETCONF XML codec: notifications', () => {
  const all: IkelessNotification[] = [
    { type: 'sadb-expire', ipsecSaName: 'out/1', softLifetimeExpire: true, lifetimeCurrent: { time: 3000, bytes: 2n ** 60n, packets: 7, idle: 0 } },
    { type: 'sadb-expire', ipsecSaName: 'out/2', softLifetimeExpire: false },
    { type: 'sadb-acquire', ipsecPolicyName: 'out/p', trafficSelector: { localPrefix: '2001:db8::/64', remotePrefix: '10.0.0.0/8', innerProtocol: 'any', remotePorts: [{ start: 1, end: 2 }] } },
    { type: 'sadb-seq-overflow', ipsecSaName: 'out/3' },
    { type: 'sadb-bad-spi', spi: 0 },
  ];

  it.each(all.map((n) => [n.type, n] as const))('%s: valid for yanglint -t notif and -t nc-notif, and decodes back', (_t, n) => {
    const el = notificationToXml(n);
    expect(el.ns).toBe(IKELESS_NS);
    const text = serializeXml(el);
    yanglint('notif', text, 'xml');
    const envelope = `<notification xmlns="${NETCONF_NOTIFICATION_NS}"><eventTime>2023-02-21T10:26:07Z</eventTime>${text}</notification>`;
    yanglint('nc-notif', envelope, 'xml');
    expect(notificationFromXml(parseXml(text))).toEqual(n);
    expect(notificationFromXml(parseXml(envelope))).toEqual(n);
  });

  it('decodes the CCIPS sample notification and refuses foreign ones', () => {
    const sample = `<notification xmlns="${NETCONF_NOTIFICATION_NS}"><eventTime>2023-02-21T10:26:07Z</eventTime>
      <sadb-expire xmlns="${IKELESS_NS}"><ipsec-sa-name>out/192.168.201.254/192.168.202.254</ipsec-sa-name><soft-lifetime-expire>true</soft-lifetime-expire></sadb-expire></notification>`;
    expect(notificationFromXml(parseXml(sample))).toEqual({ type: 'sadb-expire', ipsecSaName: 'out/192.168.201.254/192.168.202.254', softLifetimeExpire: true });
    expect(() => notificationFromXml(parseXml('<sadb-expire xmlns="urn:other"/>'))).toThrow(/not an ietf-i2nsf-ikeless notification/);
    expect(() => notificationFromXml(parseXml(`<sadb-bad-spi xmlns="${IKELESS_NS}"><spi>-1</spi></sadb-bad-spi>`))).toThrow(/sadb-bad-spi\.spi: must be an integer/);
  });
});
