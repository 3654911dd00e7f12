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
