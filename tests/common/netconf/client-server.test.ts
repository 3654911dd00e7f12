import { configureLogging } from '../../../common/index.js';
import {
  CAP,
  NetconfClient,
  NetconfRpcError,
  childText,
  child,
  elem,
  serializeXml,
  type NetconfNotification,
} from '../../../common/netconf/index.js';
import { MODULE_CAP, TEST_NS, startNetconf, type NetconfFixture } from './netconf-fixtures.js';

configureLogging({ console: false });

describe('NetconfClient <-> NetconfServer over real SSH', () => {
  let fx: NetconfFixture;
  const clients: NetconfClient[] = [];

  beforeAll(async () => {
    fx = await startNetconf();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(() => fx.close());

  const asAdmin = async (): Promise<NetconfClient> => {
    const c = await NetconfClient.connect({ host: '127.0.0.1', port: fx.port, username: 'admin', privateKey: fx.admin.privateKey, hostKeyFingerprint: fx.hostKeyFingerprint });
    clients.push(c);
    return c;
  };
  const asOper = async (): Promise<NetconfClient> => {
    const c = await NetconfClient.connect({ host: '127.0.0.1', port: fx.port, username: 'oper', password: fx.operPassword, hostKeyFingerprint: fx.hostKeyFingerprint });
    clients.push(c);
    return c;
  };

  it('exchanges hellos: capabilities, session-id, chunked framing', async () => {
    const a = await asAdmin();
    const b = await asAdmin();
    expect(a.serverCapabilities).toEqual(expect.arrayContaining([CAP.BASE_1_0, CAP.BASE_1_1, CAP.WRITABLE_RUNNING, CAP.NOTIFICATION, CAP.INTERLEAVE, MODULE_CAP]));
    expect(a.serverCapabilities).not.toContain(CAP.CANDIDATE);
    expect(a.framing).toBe('chunked');
    expect(a.sessionId).toBeGreaterThan(0);
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(fx.netconf.listSessions().map((s) => s.sessionId)).toEqual(expect.arrayContaining([a.sessionId, b.sessionId]));
  });

  it('edit-config merges into running and get-config returns the merged config', async () => {
    const c = await asAdmin();
    await c.editConfig('running', `<sad xmlns="${TEST_NS}"><sad-entry><name>out</name><spi>4097</spi><key>00:11</key></sad-entry></sad>`);
    await c.editConfig('running', `<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><sad xmlns="${TEST_NS}"><sad-entry><name>in</name><spi>4098</spi></sad-entry><sad-entry><name>out</name><spi>5000</spi></sad-entry></sad></config>`);
    const cfg = await c.getConfig('running');
    expect(cfg.map((e) => serializeXml(e))).toEqual([
      `<sad xmlns="${TEST_NS}"><sad-entry><name>out</name><spi>5000</spi><key>00:11</key></sad-entry><sad-entry><name>in</name><spi>4098</spi></sad-entry></sad>`,
    ]);
    // Subtree filter with a content match node.
    const one = await c.getConfig('running', `<sad xmlns="${TEST_NS}"><sad-entry><name>in</name></sad-entry></sad>`);
    expect(serializeXml(one[0]!)).toBe(`<sad xmlns="${TEST_NS}"><sad-entry><name>in</name><spi>4098</spi></sad-entry></sad>`);
    // <get> adds state data; the filter selects it alone.
    const state = await c.get(`<state xmlns="${TEST_NS}"/>`);
    expect(state.map((e) => e.name)).toEqual(['state']);
    // delete via nc:operation
    await c.editConfig('running', `<sad xmlns="${TEST_NS}" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><sad-entry nc:operation="delete"><name>in</name></sad-entry></sad>`);
    expect((await c.getConfig()).flatMap((s) => s.children.map((e) => childText(e, 'name')))).toEqual(['out']);
    // Elements instead of text (sent as serialised, not parsed back), with a <config> wrapper and options.
    const entry = (name: string, spi: string) => elem('sad-entry', TEST_NS, [elem('name', TEST_NS, [], name), elem('spi', TEST_NS, [], spi)]);
    await c.editConfig('running', [elem('config', 'urn:ietf:params:xml:ns:netconf:base:1.0', [elem('sad', TEST_NS, [entry('el', '6000')])])], { testOption: 'test-then-set' });
    await c.editConfig('running', [elem('sad', TEST_NS, [entry('el2', '6001')])]);
    expect((await c.getConfig()).flatMap((s) => s.children.map((e) => childText(e, 'name')))).toEqual(['out', 'el', 'el2']);
  });

  it('passes the SSH user and groups to the datastore (non-admin users do not see key leaves)', async () => {
    const o = await asOper();
    const sad = (await o.getConfig('running', `<sad xmlns="${TEST_NS}"/>`))[0]!;
    const entry = sad.children.find((e) => childText(e, 'name') === 'out')!;
    expect(childText(entry, 'spi')).toBe('5000');
    expect(child(entry, 'key')).toBeUndefined();
    const a = await asAdmin();
    const sadA = (await a.getConfig('running', `<sad xmlns="${TEST_NS}"/>`))[0]!;
    expect(childText(sadA.children.find((e) => childText(e, 'name') === 'out')!, 'key')).toBe('00:11');
  });

  it('answers rpc-errors as NetconfRpcError with tag and message', async () => {
    const c = await asAdmin();
    const err = (await c.editConfig('running', `<sad xmlns="${TEST_NS}" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0"><sad-entry nc:operation="delete"><name>nope</name></sad-entry></sad>`).catch((e: unknown) => e)) as NetconfRpcError;
    expect(err).toBeInstanceOf(NetconfRpcError);
    expect(err.tag).toBe('data-missing');
    expect(err.message).toMatch(/^NETCONF <edit-config> failed: data-missing: \/sad\/sad-entry\[name='nope'\] does not exist/);
    await expect(c.rpc('<frobnicate xmlns="urn:x"/>')).rejects.toThrow(/operation-not-supported/);
    await expect(c.rpc('<commit/>')).rejects.toThrow(/operation-not-supported/);
    await expect(c.getConfig('candidate')).rejects.toThrow(/invalid-value: datastore <candidate> is not supported/);
    await expect(c.rpc('<get><filter type="xpath" select="/x"/></get>')).rejects.toThrow(/bad-attribute/);
    await expect(c.rpc(`<edit-config><target><running/></target><config><x xmlns="urn:x" xmlns:nc="urn:ietf:params:xml:ns:netconf:base:1.0" nc:operation="frob"/></config></edit-config>`)).rejects.toThrow(/bad-attribute/);
    await expect(c.rpc(`<edit-config><target><running/></target></edit-config>`)).rejects.toThrow(/missing-element/);
    // The session is still usable.
    expect(await c.getConfig()).toHaveLength(1);
  });

  it('runs concurrent rpcs on one session and matches replies by message-id', async () => {
    const c = await asAdmin();
    const results = await Promise.all([
      c.getConfig('running', `<sad xmlns="${TEST_NS}"/>`),
      c.get(`<state xmlns="${TEST_NS}"/>`),
      c.rpc('<nope xmlns="urn:x"/>').catch((e: Error) => e),
      c.getConfig('running', `<absent xmlns="${TEST_NS}"/>`),
    ]);
    expect((results[0] as { name: string }[])[0]!.name).toBe('sad');
    expect((results[1] as { name: string }[])[0]!.name).toBe('state');
    expect(results[2]).toBeInstanceOf(NetconfRpcError);
    expect(results[3]).toEqual([]);
  });

  it('locks running: another session gets lock-denied / in-use with the holder session-id, until unlock or session end', async () => {
    const a = await asAdmin();
    const b = await asAdmin();
    await a.lock();
    expect(fx.netconf.lockHolder()).toBe(a.sessionId);
    const denied = (await b.lock().catch((e: unknown) => e)) as NetconfRpcError;
    expect(denied.tag).toBe('lock-denied');
    expect(denied.errors[0]!.info!.find((i) => i.name === 'session-id')!.text).toBe(String(a.sessionId));
    const inUse = (await b.editConfig('running', `<x xmlns="${TEST_NS}">1</x>`).catch((e: unknown) => e)) as NetconfRpcError;
    expect(inUse.tag).toBe('in-use');
    expect(inUse.message).toContain(`locked by session ${a.sessionId}`);
    await expect(b.unlock()).rejects.toThrow(/operation-failed/);
    // The holder may edit, and may not lock twice.
    await a.editConfig('running', `<x xmlns="${TEST_NS}">1</x>`);
    await expect(a.lock()).rejects.toThrow(/lock-denied/);
    await a.unlock();
    await b.lock();
    // Closing the holder's session releases its lock.
    await b.close();
    expect(fx.netconf.lockHolder()).toBeUndefined();
    await a.lock();
    await a.unlock();
  });

  it('kill-session ends another session and releases its lock; only admins may kill', async () => {
    const victim = await asOper();
    await victim.lock();
    const o = await asOper();
    await expect(o.killSession(victim.sessionId)).rejects.toThrow(/access-denied/);
    const a = await asAdmin();
    await expect(a.killSession(a.sessionId)).rejects.toThrow(/invalid-value/);
    await expect(a.killSession(999999)).rejects.toThrow(/invalid-value: no session 999999/);
    await a.killSession(victim.sessionId);
    await victim.closed;
    expect(fx.netconf.lockHolder()).toBeUndefined();
    await expect(victim.getConfig()).rejects.toThrow(/closed/);
  });

  it('delivers notifications to subscribed sessions only, with eventTime, honouring subscription filters', async () => {
    const sub = await asAdmin();
    const filtered = await asOper();
    const bystander = await asAdmin();
    const got: NetconfNotification[] = [];
    const gotFiltered: NetconfNotification[] = [];
    const other: NetconfNotification[] = [];
    await sub.createSubscription((n) => got.push(n));
    await filtered.createSubscription((n) => gotFiltered.push(n), { filter: `<sadb-expire xmlns="${TEST_NS}"/>` });
    void bystander; // connected, never subscribes
    await expect(sub.createSubscription((n) => other.push(n))).rejects.toThrow(/already has a subscription/);
    await expect(sub.rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>')).rejects.toThrow(/in-use/);
    await expect(bystander.rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><stream>OTHER</stream></create-subscription>')).rejects.toThrow(/invalid-value: unknown event stream/);
    await expect(bystander.rpc('<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"><startTime>2024-01-01T00:00:00Z</startTime></create-subscription>')).rejects.toThrow(/operation-failed: stream NETCONF does not support replay/);
    const t = new Date('2024-01-02T03:04:05.678Z');
    expect(fx.netconf.notify(`<sadb-expire xmlns="${TEST_NS}"><ipsec-sa-name>out</ipsec-sa-name><soft-lifetime-expire>true</soft-lifetime-expire></sadb-expire>`, t)).toBe(2);
    expect(fx.netconf.notify(`<sadb-acquire xmlns="${TEST_NS}"/>`)).toBe(1);
    await waitFor(() => got.length === 2 && gotFiltered.length === 1);
    expect(got[0]!.eventTime).toBe('2024-01-02T03:04:05.678Z');
    expect(serializeXml(got[0]!.content[0]!)).toBe(`<sadb-expire xmlns="${TEST_NS}"><ipsec-sa-name>out</ipsec-sa-name><soft-lifetime-expire>true</soft-lifetime-expire></sadb-expire>`);
    expect(got[1]!.content[0]!.name).toBe('sadb-acquire');
    expect(gotFiltered.map((n) => n.content[0]!.name)).toEqual(['sadb-expire']);
    expect(other).toEqual([]);
    // :interleave: rpcs keep working on a subscribed session.
    expect(await sub.getConfig()).not.toHaveLength(0);
  });

  it('close() sends close-session and closes the SSH connection', async () => {
    const c = await asAdmin();
    const id = c.sessionId;
    await c.close();
    expect(fx.netconf.listSessions().map((s) => s.sessionId)).not.toContain(id);
    await expect(c.get()).rejects.toThrow(/closed/);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
