import { parseXml, serializeXml, child, childText } from '../../common/netconf/xml-element.js';

const NC = 'urn:ietf:params:xml:ns:netconf:base:1.0';

describe('namespace-aware XML elements', () => {
  it('resolves prefixes the way ncclient sends them', () => {
    const el = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?><nc:rpc xmlns:nc="${NC}" message-id="urn:uuid:1"><nc:get-config><nc:source><nc:running/></nc:source></nc:get-config></nc:rpc>`,
    );
    expect(el.name).toBe('rpc');
    expect(el.ns).toBe(NC);
    expect(el.attrs['message-id']).toBe('urn:uuid:1');
    const gc = child(el, 'get-config', NC)!;
    expect(child(child(gc, 'source')!, 'running')!.ns).toBe(NC);
  });

  it('keeps the namespace of prefixed attributes (nc:operation)', () => {
    const el = parseXml(`<sad-entry xmlns="urn:x" xmlns:nc="${NC}" nc:operation="delete"><name>a &amp; b</name></sad-entry>`);
    expect(el.attrs.operation).toBe('delete');
    expect(el.attrNs.operation).toBe(NC);
    expect(childText(el, 'name')).toBe('a & b');
  });

  it('rejects undeclared prefixes and malformed XML', () => {
    expect(() => parseXml('<x:a/>')).toThrow(/not declared/);
    expect(() => parseXml('<a><b></a>')).toThrow(/malformed XML/);
  });

  it('serialises and re-parses to the same tree', () => {
    const src = `<ipsec-ikeless xmlns="urn:y"><sad><sad-entry xmlns:nc="${NC}" nc:operation="delete"><name>x&lt;1</name></sad-entry></sad></ipsec-ikeless>`;
    const once = parseXml(src);
    expect(parseXml(serializeXml(once))).toEqual(once);
  });
});

describe('entities and attribute collisions', () => {
  it('decodes numeric character references', () => {
    expect(parseXml('<a>&#65;&#x42;</a>').text).toBe('AB');
  });
  it('decodes the five XML entities in text and attributes, once (an escaped reference stays a reference)', () => {
    const el = parseXml('<a v="&lt;&quot;&apos;&gt;">&lt;b&gt; &amp;#65; &amp;amp;</a>');
    expect(el.text).toBe('<b> &#65; &amp;');
    expect(el.attrs.v).toBe('<"\'>');
  });
  it('takes CDATA literally', () => {
    expect(parseXml('<a>x<![CDATA[a &amp; <b> & c]]>y</a>').text).toBe('xa &amp; <b> & cy');
  });
  it.each([
    ['<a>&nbsp;</a>', /undefined entity &nbsp;/],
    ['<a>fish & chips</a>', /malformed XML.*'&'/],
    ['<a>&#0;</a>', /not an XML character/],
    ['<a v="&bogus;"/>', /undefined entity/],
  ])('refuses %s', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(message);
  });
  it('refuses the same attribute name in two namespaces', () => {
    expect(() => parseXml('<a xmlns:n="urn:n" n:op="1" op="2"/>')).toThrow(/two namespaces/);
  });
});

describe('fragments, DOCTYPE and xml: attributes', () => {
  it('parses several sibling roots as a fragment', async () => {
    const { parseXmlFragment } = await import('../../common/netconf/xml-element.js');
    const els = parseXmlFragment('<?xml version="1.0"?><a xmlns="urn:a"/><b xmlns="urn:b">t</b>');
    expect(els.map((e) => [e.name, e.ns, e.text])).toEqual([['a', 'urn:a', ''], ['b', 'urn:b', 't']]);
  });
  it('refuses DOCTYPE (entity expansion)', () => {
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(/DOCTYPE/);
  });
  it('writes xml:lang with the reserved prefix', () => {
    const el = parseXml('<a xml:lang="en">x</a>');
    expect(serializeXml(el)).toBe('<a xml:lang="en">x</a>');
  });
});
