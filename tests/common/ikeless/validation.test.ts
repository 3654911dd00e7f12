import { parseXml, serializeXml } from '../../../common/netconf/xml-element.js';
import { ValidationError } from '../../../common/index.js';
import {
  IKELESS_JSON_MEMBER,
  ipsecConfigFromJson,
  ipsecConfigFromXml,
  ipsecConfigToJson,
  ipsecConfigToXml,
  sadEntryFromJson,
  type IkelessConfig,
  type SadEntry,
} from '../../../common/ikeless/index.js';
import { cbcSadEntry, expectNoKeys, fullConfig, gcmSadEntry, GCM_KEY, protectSpdEntry } from './fixtures.js';
import { yanglint } from './yanglint.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests poke into RFC 7951 objects
const colonHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

/** A valid RFC 7951 document of the full fixture configuration, with keys. */
const validDoc = (): J => JSON.parse(JSON.stringify(ipsecConfigToJson(fullConfig(), { withKeys: true }))) as J;
const sad0 = (d: J): J => d[IKELESS_JSON_MEMBER].sad['sad-entry'][0]['ipsec-sa-config'];
const spd0 = (d: J): J => d[IKELESS_JSON_MEMBER].spd['spd-entry'][0]['ipsec-policy-config'];

/** The problems a decode reports, as `path: message`; checks no key leaks and that libyang refuses the document too. */
function jsonProblems(doc: J, libyangRejects = true): string[] {
  const text = JSON.stringify(doc);
  if (libyangRejects) expect(() => yanglint('config', text, 'json')).toThrow(/rejected/);
  try {
    ipsecConfigFromJson(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expectNoKeys(v.message);
    expectNoKeys(JSON.stringify(v.problems));
    return v.problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('validation of decoded input', () => {
  it('the yanglint helper itself fails on an invalid document', () => {
    expect(() => yanglint('config', '{"ietf-i2nsf-ikeless:ipsec-ikeless":{"nope":1}}', 'json')).toThrow(/rejected/);
  });

  it('spi out of range', () => {
    const d = validDoc();
    sad0(d).spi = 4294967296;
    expect(jsonProblems(d)).toEqual(['sad-entry[0].ipsec-sa-config.spi: must be an integer 0..4294967295 (uint32)']);
  });

  it('bad hex-string key: path named, key bytes not repeated', () => {
    const d = validDoc();
    sad0(d)['esp-sa'].encryption.key = `${colonHex(GCM_KEY)}:zz`;
    expect(jsonProblems(d)).toEqual(['sad-entry[0].ipsec-sa-config.esp-sa.encryption.key: must be a yang:hex-string (colon-separated octets)']);
    const x = validDoc();
    sad0(x).spi = colonHex(GCM_KEY); // a key pasted into the wrong leaf is not echoed either
    expect(jsonProblems(x)).toEqual(['sad-entry[0].ipsec-sa-config.spi: must be a JSON number (RFC 7951 §6.1)']);
  });

  it('missing mandatory local-prefix (SAD and SPD), spi and direction', () => {
    const d = validDoc();
    delete sad0(d)['traffic-selector']['local-prefix'];
    delete sad0(d).spi;
    delete spd0(d)['traffic-selector']['local-prefix'];
    delete d[IKELESS_JSON_MEMBER].spd['spd-entry'][1].direction;
    expect(jsonProblems(d)).toEqual([
      'spd-entry[0].ipsec-policy-config.traffic-selector.local-prefix: is mandatory and missing',
      'spd-entry[1].direction: is mandatory and missing',
      'sad-entry[0].ipsec-sa-config.spi: is mandatory and missing',
      'sad-entry[0].ipsec-sa-config.traffic-selector.local-prefix: is mandatory and missing',
    ]);
  });

  it('unknown enumerations, bad prefixes and addresses, unknown members — all collected', () => {
    const d = validDoc();
    spd0(d)['processing-info'].action = 'allow';
    sad0(d).mode = 'tunel';
    sad0(d)['sa-lifetime-soft'].action = 'rekey';
    sad0(d)['traffic-selector']['remote-prefix'] = '10.2.0.0/33';
    sad0(d)['encapsulation-type'].oaddr[1] = '2001:db8::g';
    sad0(d).colour = 'blue';
    // problems of JSON structure come first, then those of content, each in document order
    expect(jsonProblems(d)).toEqual([
      'sad-entry[0].ipsec-sa-config.colour: is not a member of ietf-i2nsf-ikeless here',
      'spd-entry[0].ipsec-policy-config.processing-info.action: must be one of protect, bypass, discard',
      'spd-entry[0].ipsec-policy-config.processing-info.ipsec-sa-cfg: is only allowed when action is protect',
      'sad-entry[0].ipsec-sa-config.traffic-selector.remote-prefix: must be an inet:ip-prefix (address/length)',
      'sad-entry[0].ipsec-sa-config.mode: must be one of transport, tunnel',
      'sad-entry[0].ipsec-sa-config.sa-lifetime-soft.action: must be one of terminate-clear, terminate-hold, replace',
      'sad-entry[0].ipsec-sa-config.tunnel: is only allowed when mode is tunnel',
      'sad-entry[0].ipsec-sa-config.encapsulation-type.oaddr[1]: must be an inet:ip-address',
    ]);
  });

  it('RFC 7951 JSON types: uint64 must be a string, uint32 a number, booleans booleans, union number or "any"', () => {
    const d = validDoc();
    d[IKELESS_JSON_MEMBER].sad['sad-entry'][0].reqid = 1;
    sad0(d)['anti-replay-window-size'] = '64';
    sad0(d)['ext-seq-num'] = 'true';
    sad0(d)['traffic-selector']['inner-protocol'] = '6';
    sad0(d)['sa-lifetime-hard'].bytes = 5;
    expect(jsonProblems(d)).toEqual([
      'sad-entry[0].reqid: must be a JSON string (RFC 7951 §6.1: 64-bit integers are strings)',
      'sad-entry[0].ipsec-sa-config.ext-seq-num: must be a JSON boolean (RFC 7951 §6.3)',
      'sad-entry[0].ipsec-sa-config.anti-replay-window-size: must be a JSON number (RFC 7951 §6.1)',
      'sad-entry[0].ipsec-sa-config.traffic-selector.inner-protocol: must be a JSON number 0..255 or the string "any" (RFC 7951 §6.10)',
      'sad-entry[0].ipsec-sa-config.sa-lifetime-hard.bytes: must be a JSON string (RFC 7951 §6.1: 64-bit integers are strings)',
    ]);
  });

  it('when and must: tunnel needed in tunnel mode, port ranges ordered, dscp-mapping only without bypass-dscp', () => {
    const d = validDoc();
    delete sad0(d).tunnel;
    sad0(d)['traffic-selector']['remote-ports'][1] = { start: 4510, end: 4500 };
    spd0(d)['processing-info']['ipsec-sa-cfg'].tunnel['bypass-dscp'] = true;
    expect(jsonProblems(d)).toEqual([
      'spd-entry[0].ipsec-policy-config.processing-info.ipsec-sa-cfg.tunnel.dscp-mapping: dscp-mapping needs bypass-dscp false',
      'sad-entry[0].ipsec-sa-config.traffic-selector.remote-ports[1].end: The end port number MUST be equal or greater than the start port number.',
      'sad-entry[0].ipsec-sa-config.tunnel.local: is mandatory and missing',
      'sad-entry[0].ipsec-sa-config.tunnel.remote: is mandatory and missing',
    ]);
  });

  it('duplicate list keys and leaf-list values', () => {
    const d = validDoc();
    d[IKELESS_JSON_MEMBER].sad['sad-entry'][1].name = d[IKELESS_JSON_MEMBER].sad['sad-entry'][0].name;
    spd0(d)['processing-info']['ipsec-sa-cfg']['esp-algorithms'].integrity = [12, 12];
    expect(jsonProblems(d)).toEqual([
      'spd-entry[0].ipsec-policy-config.processing-info.ipsec-sa-cfg.esp-algorithms.integrity[1]: repeats an earlier value (leaf-list values are unique)',
      'sad-entry[1]: has the same key (name) as sad-entry[0]',
    ]);
  });

  it('the top level: module-qualified member only, objects where containers are', () => {
    expect(() => ipsecConfigFromJson({ 'ipsec-ikeless': {} })).toThrow(/ipsec-ikeless: is not ietf-i2nsf-ikeless:ipsec-ikeless/);
    expect(() => ipsecConfigFromJson([])).toThrow(/\(root\): must be a JSON object/);
    expect(() => ipsecConfigFromJson({ [IKELESS_JSON_MEMBER]: { sad: [] } })).toThrow(/sad: must be a JSON object/);
    expect(() => sadEntryFromJson({ name: 'x' })).toThrow(/sad-entry\.ipsec-sa-config\.spi: is mandatory and missing/);
  });

  it('XML: the same checks with paths, repeated leaves and leaves holding elements', () => {
    const text = serializeXml(ipsecConfigToXml({ spd: [], sad: [gcmSadEntry()] }, { withKeys: true }));
    yanglint('config', text, 'xml');
    const bad = text
      .replace('<spi>4294967294</spi>', '<spi>4294967296</spi><spi>1</spi>')
      .replace(/<key>[^<]*<\/key>/, `<key>${colonHex(GCM_KEY)}:g0</key>`)
      .replace('<mode>tunnel</mode>', '<mode><tunnel/></mode>');
    try {
      ipsecConfigFromXml(parseXml(bad));
      throw new Error('expected a ValidationError');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const v = err as ValidationError;
      expectNoKeys(v.message);
      expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
        'sad-entry[0].ipsec-sa-config.spi: appears more than once',
        'sad-entry[0].ipsec-sa-config.mode: must hold a value, not elements',
        'sad-entry[0].ipsec-sa-config.esp-sa.encryption.key: must be a yang:hex-string (colon-separated octets)',
        'sad-entry[0].ipsec-sa-config.tunnel: is only allowed when mode is tunnel',
      ]);
    }
  });
});

describe('validation on encoding: the codec never writes what it would refuse', () => {
  const encodeProblems = (cfg: IkelessConfig): string[] => {
    try {
      ipsecConfigToXml(cfg, { withKeys: true });
    } catch (err) {
      const v = err as ValidationError;
      expectNoKeys(v.message);
      expect(() => ipsecConfigToJson(cfg, { withKeys: true })).toThrow(ValidationError);
      return v.problems.map((p) => `${p.path}: ${p.message}`);
    }
    throw new Error('expected a ValidationError');
  };

  it('refuses out-of-range numbers, bad prefixes and addresses, transport SAs with a tunnel', () => {
    const sa: SadEntry = {
      ...gcmSadEntry(),
      spi: 2 ** 32,
      reqid: -1n,
      antiReplayWindowSize: 1.5,
      trafficSelector: { localPrefix: '10.0.0.0', remotePrefix: '10.0.0.0/8', innerProtocol: 300, localPorts: [{ start: 70000, end: 1 }] },
      mode: 'transport',
    };
    expect(encodeProblems({ spd: [{ ...protectSpdEntry(), saCfg: { ...protectSpdEntry().saCfg!, tunnel: { local: 'gw-a', remote: '::1' } } }], sad: [sa] })).toEqual([
      'spd-entry[0].ipsec-policy-config.processing-info.ipsec-sa-cfg.tunnel.local: must be an inet:ip-address',
      'sad-entry[0].reqid: must be an integer 0..18446744073709551615 (uint64)',
      'sad-entry[0].ipsec-sa-config.spi: must be an integer 0..4294967295 (uint32)',
      'sad-entry[0].ipsec-sa-config.anti-replay-window-size: must be an integer 0..4294967295 (uint32)',
      'sad-entry[0].ipsec-sa-config.traffic-selector.local-prefix: must be an inet:ip-prefix (address/length)',
      'sad-entry[0].ipsec-sa-config.traffic-selector.inner-protocol: must be a protocol number 0..255 or any',
      'sad-entry[0].ipsec-sa-config.traffic-selector.local-ports[0].start: must be an integer 0..65535 (inet:port-number)',
      'sad-entry[0].ipsec-sa-config.tunnel: is only allowed when mode is tunnel',
    ]);
  });

  it('accepts the edges of every range', () => {
    const sa: SadEntry = { ...cbcSadEntry(), spi: 0, reqid: 2n ** 64n - 1n, trafficSelector: { localPrefix: '::/0', remotePrefix: '255.255.255.255/32', innerProtocol: 255, localPorts: [{ start: 65535, end: 65535 }] } };
    const text = serializeXml(ipsecConfigToXml({ spd: [], sad: [sa] }, { withKeys: true }));
    yanglint('config', text, 'xml');
    expect(ipsecConfigFromXml(parseXml(text)).sad[0]).toEqual(sa);
  });
});
