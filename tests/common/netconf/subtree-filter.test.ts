import { applySubtreeFilter, parseContent as parseXmlFragment, parseXml, serializeXml, subtreeMatches } from '../../../common/netconf/index.js';

// The data of RFC 6241 §6.4 examples (abridged), in namespace urn:t.
const DATA = parseXmlFragment(`
<top xmlns="urn:t">
  <users>
    <user><name>root</name><type>superuser</type><full-name>Charlie Root</full-name><company-info><dept>1</dept><id>1</id></company-info></user>
    <user><name>fred</name><type>admin</type><full-name>Fred Flintstone</full-name><company-info><dept>2</dept><id>2</id></company-info></user>
    <user><name>barney</name><type>admin</type><full-name>Barney Rubble</full-name><company-info><dept>2</dept><id>3</id></company-info></user>
  </users>
  <groups><group><name>admin</name></group></groups>
</top>
<other xmlns="urn:o"><x>1</x></other>`);

const f = (xml: string): string[] => applySubtreeFilter(DATA, parseXmlFragment(xml)).map((e) => serializeXml(e));

describe('RFC 6241 §6 subtree filtering', () => {
  it('no filter selects everything; an empty filter selects nothing (§6.4.1, §6.4.2)', () => {
    expect(applySubtreeFilter(DATA, undefined)).toEqual(DATA);
    expect(applySubtreeFilter(DATA, [])).toEqual([]);
  });

  it('a selection node selects the whole subtree, in its namespace only (§6.4.3)', () => {
    expect(f('<top xmlns="urn:t"><users/></top>')).toEqual([serializeXml({ ...DATA[0]!, children: [DATA[0]!.children[0]!] })]);
    expect(f('<top xmlns="urn:other"/>')).toEqual([]);
    expect(f('<other xmlns="urn:o"/>')).toEqual(['<other xmlns="urn:o"><x>1</x></other>']);
  });

  it('a filter element without namespace matches any namespace', () => {
    expect(f('<other/>')).toEqual(['<other xmlns="urn:o"><x>1</x></other>']);
  });

  it('selects specific leaves of every list entry (§6.4.4)', () => {
    const out = parseXml(f('<top xmlns="urn:t"><users><user><name/></user></users></top>')[0]!);
    expect(out.children[0]!.children.map((u) => u.children.map((c) => c.name))).toEqual([['name'], ['name'], ['name']]);
  });

  it('content match nodes select one entry and its selected siblings (§6.4.5, §6.4.6)', () => {
    expect(f('<top xmlns="urn:t"><users><user><name>fred</name><type/><company-info><id/></company-info></user></users></top>')).toEqual([
      '<top xmlns="urn:t"><users><user><name>fred</name><type>admin</type><company-info><id>2</id></company-info></user></users></top>',
    ]);
    // Only content match nodes: the whole entry.
    expect(f('<top xmlns="urn:t"><users><user><name>barney</name></user></users></top>')[0]).toContain('<full-name>Barney Rubble</full-name>');
    // Several content match nodes must all match.
    expect(f('<top xmlns="urn:t"><users><user><name>fred</name><type>superuser</type></user></users></top>')).toEqual([]);
    expect(f('<top xmlns="urn:t"><users><user><type>admin</type><name/></user></users></top>')).toEqual([
      '<top xmlns="urn:t"><users><user><name>fred</name><type>admin</type></user><user><name>barney</name><type>admin</type></user></users></top>',
    ]);
  });

  it('a containment node that selects nothing is left out', () => {
    expect(f('<top xmlns="urn:t"><nothing/></top>')).toEqual([]);
    expect(f('<top xmlns="urn:t"><users><user><name>nobody</name></user></users></top>')).toEqual([]);
  });

  it('subtreeMatches tells whether a notification passes a filter', () => {
    const ev = parseXmlFragment('<sadb-expire xmlns="urn:i"><ipsec-sa-name>a</ipsec-sa-name></sadb-expire>');
    expect(subtreeMatches(ev, undefined)).toBe(true);
    expect(subtreeMatches(ev, parseXmlFragment('<sadb-expire xmlns="urn:i"/>'))).toBe(true);
    expect(subtreeMatches(ev, parseXmlFragment('<sadb-acquire xmlns="urn:i"/>'))).toBe(false);
    expect(subtreeMatches(ev, parseXmlFragment('<sadb-expire xmlns="urn:i"><ipsec-sa-name>b</ipsec-sa-name></sadb-expire>'))).toBe(false);
  });
});
