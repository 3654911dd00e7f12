import { child, childrenNamed, parseXml, serializeXml } from '../../../common/netconf/xml-element.js';
import { ValidationError } from '../../../common/index.js';
import {
  IKELESS_NS,
  ikelessEditFromXml,
  ikelessEditToXml,
  ipsecConfigToXml,
  NETCONF_BASE_NS,
  type EditDecodeOptions,
  type IkelessEdit,
} from '../../../common/ikeless/index.js';
import { bypassSpdEntry, cbcSadEntry, expectNoKeys, gcmSadEntry, protectSpdEntry } from './fixtures.js';
import { yanglint } from './yanglint.js';

const NC = NETCONF_BASE_NS;
const TS = '<traffic-selector><local-prefix>10.0.0.0/8</local-prefix><remote-prefix>10.0.0.0/8</remote-prefix></traffic-selector>';
/** A complete minimal SAD entry named `name`, with `attrs` on the entry element. */
const sa = (name: string, attrs = '', inner = ''): string =>
  `<sad-entry${attrs}><name>${name}</name><ipsec-sa-config><spi>1</spi>${TS}${inner}</ipsec-sa-config></sad-entry>`;
const doc = (body: string, rootAttrs = ''): string => `<ipsec-ikeless xmlns="${IKELESS_NS}" xmlns:nc="${NC}"${rootAttrs}>${body}</ipsec-ikeless>`;
/** Decode after checking that libyang accepts the same text as edit-config content. */
const decode = (text: string, opts?: EditDecodeOptions): IkelessEdit => {
  yanglint('edit', text, 'xml');
  return ikelessEditFromXml(parseXml(text), opts);
};
const ops = (e: IkelessEdit, t: 'spd' | 'sad'): Record<string, string> => Object.fromEntries(e.operations![t]);

describe('edit-config content: encoding', () => {
  const edit: IkelessEdit = { spd: [protectSpdEntry()], sad: [gcmSadEntry(), cbcSadEntry()], deleteSpd: ['old/p'], deleteSad: ['old/1', 'old/2'] };

  it('writes entries as merge and deletions with nc:operation="delete" and only the name; yanglint -t edit accepts it', () => {
    const el = ikelessEditToXml(edit, { withKeys: true });
    const text = serializeXml(el);
    yanglint('edit', text, 'xml');
    const entries = childrenNamed(child(el, 'sad')!, 'sad-entry');
    expect(entries.map((e) => e.attrs.operation)).toEqual([undefined, undefined, 'delete', 'delete']);
    expect(entries[2]!.attrNs.operation).toBe(NC);
    expect(entries[2]!.children.map((c) => c.name)).toEqual(['name']);
    expect(ikelessEditFromXml(parseXml(text))).toEqual({
      ...edit,
      operations: {
        spd: new Map([[protectSpdEntry().name, 'merge'], ['old/p', 'delete']]),
        sad: new Map([[gcmSadEntry().name, 'merge'], [cbcSadEntry().name, 'merge'], ['old/1', 'delete'], ['old/2', 'delete']]),
      },
    });
  });

  it('leaves keys out with withKeys: false', () => {
    const text = serializeXml(ikelessEditToXml(edit, { withKeys: false }));
    yanglint('edit', text, 'xml');
    expect(text).not.toMatch(/<key>|<iv>/);
    expectNoKeys(text);
  });

  it('writes the operations map and whole-table replacement', () => {
    const el = ikelessEditToXml(
      {
        spd: [bypassSpdEntry()],
        sad: [cbcSadEntry()],
        deleteSpd: [],
        deleteSad: ['gone'],
        operations: { spd: new Map([[bypassSpdEntry().name, 'create']]), sad: new Map([['gone', 'remove']]) },
        replaceSpd: true,
      },
      { withKeys: true },
    );
    const text = serializeXml(el);
    yanglint('edit', text, 'xml');
    const spd = child(el, 'spd')!;
    expect([spd.attrs.operation, spd.attrNs.operation]).toEqual(['replace', NC]);
    expect(child(spd, 'spd-entry')!.attrs.operation).toBe('create');
    expect(childrenNamed(child(el, 'sad')!, 'sad-entry').map((e) => e.attrs.operation)).toEqual([undefined, 'remove']);
    const back = ikelessEditFromXml(parseXml(text));
    expect(back.replaceSpd).toBe(true);
    expect(back.replaceSad).toBeUndefined();
    expect(ops(back, 'spd')).toEqual({ [bypassSpdEntry().name]: 'create' });
    expect(ops(back, 'sad')).toEqual({ [cbcSadEntry().name]: 'merge', gone: 'remove' });
    // an empty replaced table clears it
    const clear = ikelessEditToXml({ spd: [], sad: [], deleteSpd: [], deleteSad: [], replaceSad: true }, { withKeys: false });
    yanglint('edit', serializeXml(clear), 'xml');
    expect(serializeXml(clear)).toBe(`<ipsec-ikeless xmlns="${IKELESS_NS}"><sad xmlns:a0="${NC}" a0:operation="replace"/></ipsec-ikeless>`);
  });

  it('refuses inconsistent edits', () => {
    const bad = (e: Partial<IkelessEdit>): (() => unknown) => () => ikelessEditToXml({ spd: [], sad: [], deleteSpd: [], deleteSad: [], ...e }, { withKeys: true });
    expect(bad({ sad: [cbcSadEntry()], deleteSad: [cbcSadEntry().name] })).toThrow(/deleteSad\[0\]: names an entry that is also in sad/);
    expect(bad({ sad: [cbcSadEntry(), cbcSadEntry()] })).toThrow(/sad-entry\[1\]: has the same key \(name\) as sad-entry\[0\]/);
    expect(bad({ sad: [cbcSadEntry()], operations: { spd: new Map(), sad: new Map([[cbcSadEntry().name, 'delete']]) } })).toThrow(/sad-entry\[0\]: cannot be written with operation delete/);
    expect(bad({ sad: [{ ...cbcSadEntry(), spi: -1 }] })).toThrow(/sad-entry\[0\]\.ipsec-sa-config\.spi: must be an integer/);
  });
});

describe('edit-config content: decoding operations (RFC 6241 §7.2)', () => {
  it('applies merge by default and reads ncclient-style prefixes inside <config>', () => {
    const text = `<nc:config xmlns:nc="${NC}"><ipsec-ikeless xmlns="${IKELESS_NS}"><sad>${sa('a')}<sad-entry nc:operation="delete"><name>b</name></sad-entry></sad></ipsec-ikeless></nc:config>`;
    const e = ikelessEditFromXml(parseXml(text));
    expect(e.sad.map((x) => x.name)).toEqual(['a']);
    expect(e.deleteSad).toEqual(['b']);
    expect(ops(e, 'sad')).toEqual({ a: 'merge', b: 'delete' });
    expect(e.replaceSad).toBeUndefined();
  });

  it('inherits delete from the sad container, which empties the table', () => {
    const e = decode(doc(`<sad nc:operation="delete"><sad-entry><name>a</name></sad-entry></sad>`));
    expect(e).toMatchObject({ sad: [], deleteSad: ['a'], replaceSad: true });
    expect(ops(e, 'sad')).toEqual({ a: 'delete' });
    expect(e.replaceSpd).toBeUndefined();
  });

  it('inherits remove from the root element into both tables', () => {
    const e = decode(doc(`<spd><spd-entry><name>p</name></spd-entry></spd><sad><sad-entry><name>s</name></sad-entry></sad>`, ' nc:operation="remove"'));
    expect(e).toMatchObject({ deleteSpd: ['p'], deleteSad: ['s'], replaceSpd: true, replaceSad: true });
    expect([ops(e, 'spd'), ops(e, 'sad')]).toEqual([{ p: 'remove' }, { s: 'remove' }]);
  });

  it('lets an entry override the inherited operation', () => {
    const e = decode(doc(`<sad nc:operation="replace">${sa('a', ' nc:operation="create"')}${sa('b')}</sad>`));
    expect(e.replaceSad).toBe(true);
    expect(ops(e, 'sad')).toEqual({ a: 'create', b: 'replace' });
  });

  it('honours default-operation replace and none', () => {
    const replaced = decode(doc(`<sad>${sa('a')}</sad>`), { defaultOperation: 'replace' });
    expect(replaced).toMatchObject({ replaceSpd: true, replaceSad: true });
    expect(ops(replaced, 'sad')).toEqual({ a: 'replace' });
    const none = decode(doc(`<sad>${sa('a')}${sa('b', ' nc:operation="create"')}<sad-entry nc:operation="remove"><name>c</name></sad-entry></sad>`), { defaultOperation: 'none' });
    expect(none.sad.map((x) => x.name)).toEqual(['b']);
    expect(none.deleteSad).toEqual(['c']);
    expect(ops(none, 'sad')).toEqual({ b: 'create', c: 'remove' });
  });

  it('accepts an operation repeated inside an entry but refuses a different one', () => {
    expect(decode(doc(`<sad>${sa('a', ' nc:operation="replace"', '<sa-lifetime-soft nc:operation="replace"><time>5</time></sa-lifetime-soft>')}</sad>`)).sad[0]!.lifetimeSoft).toEqual({ time: 5 });
    const inner = doc(`<sad>${sa('a', '', '<sa-lifetime-soft nc:operation="delete"/>')}</sad>`);
    yanglint('edit', inner, 'xml');
    expect(() => ikelessEditFromXml(parseXml(inner))).toThrow(/sad-entry\[0\]\.ipsec-sa-config\.sa-lifetime-soft: carries an operation of its own/);
    const underDelete = doc(`<sad nc:operation="delete">${sa('a', ' nc:operation="merge"')}</sad>`);
    expect(() => ikelessEditFromXml(parseXml(underDelete))).toThrow(/sad-entry\[0\]: is inside a node being deleted \(delete\) and cannot carry merge/);
  });

  it('refuses bad operation attributes, state data, unknown elements and incomplete entries', () => {
    const problems = (text: string): string[] => {
      try {
        ikelessEditFromXml(parseXml(text));
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).problems.map((p) => `${p.path}: ${p.message}`);
      }
      throw new Error('expected a ValidationError');
    };
    expect(problems(doc(`<sad>${sa('a', ' nc:operation="destroy"')}</sad>`))).toEqual(['sad-entry[0]: has an operation that is not merge, replace, create, delete or remove']);
    expect(problems(doc(`<sad>${sa('a', ' operation="delete"')}</sad>`))[0]).toMatch(/^sad-entry\[0\]: has an operation attribute outside the NETCONF namespace/);
    expect(problems(doc(`<sad><sad-entry><name>a</name><ipsec-sa-state/></sad-entry></sad>`))).toContain('sad-entry[0].ipsec-sa-state: is state data (config false), not configuration');
    expect(problems(doc(`<sad><sad-entry><name>a</name><ipsec-sa-config><spi>1</spi></ipsec-sa-config></sad-entry></sad>`))).toEqual([
      'sad-entry[0].ipsec-sa-config.traffic-selector.local-prefix: is mandatory and missing',
      'sad-entry[0].ipsec-sa-config.traffic-selector.remote-prefix: is mandatory and missing',
    ]);
    expect(problems(doc(`<sad>${sa('a')}${sa('a')}</sad>`))).toEqual(['sad-entry[1]: names the same entry as sad-entry[0]']);
    expect(problems(doc(`<sad><sad-entry nc:operation="delete"/></sad>`))).toEqual(['sad-entry[0].name: is mandatory and missing']);
    expect(problems(doc(`<sad><spd-entry/></sad><ikeless/>`))).toEqual(['sad.spd-entry: is not an element of ietf-i2nsf-ikeless here', 'ikeless: is not an element of ietf-i2nsf-ikeless here']);
  });

  it('reads a full configuration document as a merge of every entry', () => {
    const cfg = { spd: [protectSpdEntry(), bypassSpdEntry()], sad: [gcmSadEntry(), cbcSadEntry()] };
    const el = ipsecConfigToXml(cfg, { withKeys: true });
    yanglint('edit', serializeXml(el), 'xml');
    const e = ikelessEditFromXml(el);
    expect({ spd: e.spd, sad: e.sad }).toEqual(cfg);
    expect([...e.operations!.sad.values()]).toEqual(['merge', 'merge']);
  });
});
