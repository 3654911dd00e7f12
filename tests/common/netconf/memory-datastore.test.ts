import { MemoryDatastore, NETCONF_NS, NetconfRpcError, parseXmlFragment, serializeXml, type EditConfigRequest } from '../../../common/netconf/index.js';

const session = { sessionId: 1, user: 'admin', groups: ['admin'] };
const NS = 'urn:t';

function req(xml: string, over: Partial<EditConfigRequest> = {}): EditConfigRequest {
  const config = parseXmlFragment(`<config xmlns="${NETCONF_NS}" xmlns:nc="${NETCONF_NS}">${xml}</config>`)[0]!.children;
  return { target: 'running', defaultOperation: 'merge', testOption: 'test-then-set', errorOption: 'stop-on-error', config, ...over };
}

const show = (ds: MemoryDatastore): string => ds.snapshot().map((e) => serializeXml(e)).join('');

describe('MemoryDatastore edit-config (RFC 6241 §7.2)', () => {
  const initial = `<sad xmlns="${NS}"><e><name>a</name><spi>1</spi></e><e><name>b</name><spi>2</spi></e></sad>`;
  let ds: MemoryDatastore;
  beforeEach(async () => {
    ds = new MemoryDatastore();
    await ds.editConfig(req(initial), session);
  });

  it('merge updates leaves of the keyed entry and adds new entries', async () => {
    await ds.editConfig(req(`<sad xmlns="${NS}"><e><name>b</name><spi>20</spi><mode>tunnel</mode></e><e><name>c</name></e></sad>`), session);
    expect(show(ds)).toBe(`<sad xmlns="${NS}"><e><name>a</name><spi>1</spi></e><e><name>b</name><spi>20</spi><mode>tunnel</mode></e><e><name>c</name></e></sad>`);
  });

  it('replace (attribute or default-operation) replaces the subtree', async () => {
    await ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="replace"><name>a</name><mode>x</mode></e></sad>`), session);
    expect(show(ds)).toBe(`<sad xmlns="${NS}"><e><name>a</name><mode>x</mode></e><e><name>b</name><spi>2</spi></e></sad>`);
    await ds.editConfig(req(`<sad xmlns="${NS}"><e><name>z</name></e></sad>`, { defaultOperation: 'replace' }), session);
    expect(show(ds)).toBe(`<sad xmlns="${NS}"><e><name>z</name></e></sad>`);
  });

  it('create fails with data-exists, delete with data-missing, remove never fails', async () => {
    await expect(ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="create"><name>a</name></e></sad>`), session)).rejects.toMatchObject({ tag: 'data-exists' });
    await expect(ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="delete"><name>q</name></e></sad>`), session)).rejects.toThrow(NetconfRpcError);
    await ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="remove"><name>q</name></e><e nc:operation="remove"><name>a</name></e></sad>`), session);
    await ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="create"><name>n</name></e></sad>`), session);
    expect(show(ds)).toBe(`<sad xmlns="${NS}"><e><name>b</name><spi>2</spi></e><e><name>n</name></e></sad>`);
  });

  it('is all-or-nothing: a failing edit leaves running unchanged', async () => {
    const before = show(ds);
    await expect(
      ds.editConfig(req(`<sad xmlns="${NS}"><e nc:operation="delete"><name>a</name></e><e nc:operation="delete"><name>missing</name></e></sad>`), session),
    ).rejects.toMatchObject({ tag: 'data-missing', path: "/sad/e[name='missing']" });
    expect(show(ds)).toBe(before);
  });

  it('default-operation none changes only what carries an operation, and needs existing parents', async () => {
    await ds.editConfig(req(`<sad xmlns="${NS}"><e><name>a</name><spi nc:operation="delete"/></e><e><name>b</name><spi>99</spi></e></sad>`, { defaultOperation: 'none' }), session);
    expect(show(ds)).toBe(`<sad xmlns="${NS}"><e><name>a</name></e><e><name>b</name><spi>2</spi></e></sad>`);
    await expect(ds.editConfig(req(`<spd xmlns="${NS}"><x nc:operation="create"/></spd>`, { defaultOperation: 'none' }), session)).rejects.toMatchObject({ tag: 'data-missing' });
  });

  it('test-only validates without committing; onCommit can refuse; operation attributes are not stored', async () => {
    const before = show(ds);
    await ds.editConfig(req(`<sad xmlns="${NS}"><e><name>t</name></e></sad>`, { testOption: 'test-only' }), session);
    expect(show(ds)).toBe(before);
    const refusing = new MemoryDatastore({
      onCommit: (cfg) => {
        if (serializeXml(cfg[0]!).includes('bad')) throw new Error('refused');
      },
    });
    await refusing.editConfig(req(`<a xmlns="${NS}" nc:operation="merge">ok</a>`), session);
    await expect(refusing.editConfig(req(`<a xmlns="${NS}">bad</a>`), session)).rejects.toThrow('refused');
    expect(show(refusing)).toBe(`<a xmlns="${NS}">ok</a>`);
  });
});
