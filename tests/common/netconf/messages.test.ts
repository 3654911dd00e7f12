import { Duplex, PassThrough } from 'node:stream';
import { ConflictError, NotFoundError, NotSupportedError, ValidationError } from '../../../common/errors.js';
import { configureLogging } from '../../../common/index.js';
import {
  CAP,
  MemoryDatastore,
  NETCONF_NS,
  NOTIFICATION_NS,
  NetconfClient,
  NetconfRpcError,
  NetconfServer,
  buildHello,
  buildNotification,
  buildRpc,
  errorInfo,
  errorReply,
  negotiateFraming,
  parseHello,
  parseMessage,
  parseNotification,
  parseRpc,
  parseRpcErrors,
  rpcError,
  toRpcErrors,
  parseXml,
} from '../../../common/netconf/index.js';

configureLogging({ console: false });

const NC = NETCONF_NS;

describe('hello', () => {
  it('builds and parses hellos; negotiates framing', () => {
    const caps = [CAP.BASE_1_0, CAP.BASE_1_1, 'urn:x?module=a&revision=b'];
    const h = parseHello(buildHello(caps, 7));
    expect(h).toEqual({ capabilities: caps, sessionId: 7 });
    expect(parseHello(buildHello(caps))).toEqual({ capabilities: caps });
    // ncclient style: prefixed.
    const nc = parseHello(`<nc:hello xmlns:nc="${NC}"><nc:capabilities><nc:capability>${CAP.BASE_1_1}</nc:capability></nc:capabilities></nc:hello>`);
    expect(nc.capabilities).toEqual([CAP.BASE_1_1]);
    expect(() => parseHello(`<hello xmlns="urn:other"><capabilities/></hello>`)).toThrow(/expected a NETCONF <hello>/);
    expect(() => parseHello(`<hello xmlns="${NC}"><capabilities/><session-id>0</session-id></hello>`)).toThrow(/invalid session-id/);
    expect(negotiateFraming([CAP.BASE_1_0, CAP.BASE_1_1], [CAP.BASE_1_0, CAP.BASE_1_1])).toBe('chunked');
    expect(negotiateFraming([CAP.BASE_1_0, CAP.BASE_1_1], [CAP.BASE_1_0])).toBe('eom');
    expect(negotiateFraming([CAP.BASE_1_0], [CAP.BASE_1_1])).toBeUndefined();
  });
});

describe('rpc', () => {
  it('parses ncclient-style prefixed rpcs and keeps all attributes', () => {
    const rpc = parseRpc(parseMessage(`<nc:rpc xmlns:nc="${NC}" message-id="urn:uuid:9" x="y"><nc:get-config><nc:source><nc:running/></nc:source></nc:get-config></nc:rpc>`));
    expect(rpc.messageId).toBe('urn:uuid:9');
    expect(rpc.attrs).toEqual({ 'message-id': 'urn:uuid:9', x: 'y' });
    expect(rpc.operation.name).toBe('get-config');
    expect(rpc.operation.ns).toBe(NC);
  });

  it('rejects non-rpc, missing message-id, and zero or two operations with the Appendix A tags', () => {
    const tag = (xml: string): string => {
      try {
        parseRpc(parseMessage(xml));
        return 'none';
      } catch (e) {
        return (e as NetconfRpcError).tag;
      }
    };
    expect(tag(`<rpc xmlns="urn:x" message-id="1"><get/></rpc>`)).toBe('malformed-message');
    expect(tag(`<rpc xmlns="${NC}"><get/></rpc>`)).toBe('missing-attribute');
    expect(tag(`<rpc xmlns="${NC}" message-id="1"/>`)).toBe('missing-element');
    expect(tag(`<rpc xmlns="${NC}" message-id="1"><get/><get/></rpc>`)).toBe('bad-element');
    expect(() => parseMessage('<!DOCTYPE x><x/>')).toThrow(/DOCTYPE/);
  });

  it('builds requests in the base namespace and checks operation text', () => {
    const text = buildRpc('42', '<get-config><source><running/></source></get-config>');
    const rpc = parseRpc(parseXml(text));
    expect(rpc.messageId).toBe('42');
    expect(rpc.operation.ns).toBe(NC);
    expect(() => buildRpc('1', '<a/><b/>')).toThrow(/exactly one XML element/);
    expect(() => buildRpc('1', '<a>')).toThrow(/malformed XML/);
  });
});

describe('rpc-error', () => {
  it('serialises every RFC 6241 §4.3 field and parses them back', () => {
    const err = rpcError('lock-denied', 'locked by 3', { path: '/lock', appTag: 'app', info: errorInfo({ 'session-id': 3 }) });
    const reply = parseXml(errorReply({ attrs: { 'message-id': '5' }, attrNs: {} }, err.errors));
    expect(reply.attrs['message-id']).toBe('5');
    const [e] = parseRpcErrors(reply);
    expect(e).toMatchObject({ type: 'protocol', tag: 'lock-denied', severity: 'error', appTag: 'app', path: '/lock', message: 'locked by 3' });
    expect(e!.info!.map((i) => [i.name, i.text])).toEqual([['session-id', '3']]);
    expect(err.message).toBe('lock-denied: locked by 3');
    expect(err.tag).toBe('lock-denied');
    expect(err.path).toBe('/lock');
    expect(err.type).toBe('protocol');
  });

  it('maps project errors to tags (ValidationError → invalid-value)', () => {
    expect(toRpcErrors(new ValidationError('spi out of range'))[0]).toMatchObject({ tag: 'invalid-value', type: 'application', message: 'spi out of range' });
    expect(toRpcErrors(new NotFoundError('SA', 'x'))[0]!.tag).toBe('data-missing');
    expect(toRpcErrors(new ConflictError('exists'))[0]!.tag).toBe('data-exists');
    expect(toRpcErrors(new NotSupportedError('no'))[0]!.tag).toBe('operation-not-supported');
    // Foreign errors do not leak their message.
    expect(toRpcErrors(new Error('secret detail'))[0]).toMatchObject({ tag: 'operation-failed', message: 'internal error' });
  });
});

describe('notification', () => {
  it('builds and parses <notification> with eventTime', () => {
    const t = new Date('2023-02-21T10:26:07Z');
    const n = parseNotification(parseXml(buildNotification([parseXml('<sadb-expire xmlns="urn:y"><ipsec-sa-name>a</ipsec-sa-name></sadb-expire>')], t)));
    expect(n.xml.ns).toBe(NOTIFICATION_NS);
    expect(n.eventTime).toBe('2023-02-21T10:26:07.000Z');
    expect(n.content.map((c) => [c.name, c.ns])).toEqual([['sadb-expire', 'urn:y']]);
  });
});

/** Two connected Duplex ends. */
function duplexPair(): [Duplex, Duplex] {
  const a2b = new PassThrough();
  const b2a = new PassThrough();
  return [Duplex.from({ readable: b2a, writable: a2b }), Duplex.from({ readable: a2b, writable: b2a })];
}

describe('NetconfServer on a plain Duplex (no SSH)', () => {
  it('serves a client on an in-process stream pair', async () => {
    const server = new NetconfServer({ datastore: new MemoryDatastore() });
    const [a, b] = duplexPair();
    const id = server.handle(a, { user: 'u', groups: [] });
    const c = await NetconfClient.open(b);
    expect(c.sessionId).toBe(id);
    await c.editConfig('running', '<x xmlns="urn:x">1</x>');
    expect((await c.getConfig()).map((e) => e.text)).toEqual(['1']);
    await c.close();
    expect(server.listSessions()).toEqual([]);
  });

  it('closes a session whose client sends no hello in time', async () => {
    const server = new NetconfServer({ datastore: new MemoryDatastore(), helloTimeoutMs: 50 });
    const [a, b] = duplexPair();
    server.handle(a, { user: 'u', groups: [] });
    const ended = new Promise<void>((resolve) => b.on('end', () => resolve()));
    b.resume();
    await ended;
    expect(server.listSessions()).toEqual([]);
  });

  it('custom operations go to datastore.rpc; without it they are operation-not-supported', async () => {
    const ds = new MemoryDatastore();
    const withRpc = Object.assign(ds, {
      rpc: (op: { name: string }) => (op.name === 'ping' ? [parseXml('<pong xmlns="urn:x"/>')] : []),
    });
    const server = new NetconfServer({ datastore: withRpc });
    const [a, b] = duplexPair();
    server.handle(a, { user: 'u', groups: [] });
    const c = await NetconfClient.open(b);
    const reply = await c.rpc('<ping xmlns="urn:x"/>');
    expect(reply.children.map((e) => e.name)).toEqual(['pong']);
    const ok = await c.rpc('<reset xmlns="urn:x"/>');
    expect(ok.children.map((e) => e.name)).toEqual(['ok']);
    await c.close();

    const plain = new NetconfServer({ datastore: new MemoryDatastore() });
    const [a2, b2] = duplexPair();
    plain.handle(a2, { user: 'u', groups: [] });
    const c2 = await NetconfClient.open(b2);
    await expect(c2.rpc('<ping xmlns="urn:x"/>')).rejects.toThrow(/operation-not-supported/);
    await c2.close();
  });

  it('maps a ValidationError thrown by the datastore to invalid-value', async () => {
    const ds = new MemoryDatastore({
      onCommit: () => {
        throw new ValidationError('spi must be >= 256');
      },
    });
    const server = new NetconfServer({ datastore: ds });
    const [a, b] = duplexPair();
    server.handle(a, { user: 'u', groups: [] });
    const c = await NetconfClient.open(b);
    const err = (await c.editConfig('running', '<spi xmlns="urn:x">1</spi>').catch((e: unknown) => e)) as NetconfRpcError;
    expect(err.tag).toBe('invalid-value');
    expect(err.message).toBe('NETCONF <edit-config> failed: invalid-value: spi must be >= 256');
    expect(await c.getConfig()).toEqual([]);
    await c.close();
  });
});
