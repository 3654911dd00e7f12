/**
 * The NFVO → VCA JSON-RPC channel (vca/json-rpc.ts) over a real TCP socket
 * pair on 127.0.0.1: correlation of out-of-order replies, concurrent calls,
 * QnfvError codes across the wire, malformed and oversized lines, timeouts,
 * and a closing channel failing what is pending. A raw socket stands in for
 * a misbehaving peer on either side.
 */
import { createServer, connect, type Socket, type Server } from 'node:net';
import { once } from 'node:events';
import { ConflictError, NotFoundError, QnfvError, ValidationError, configureLogging } from '../../common/index.js';
import { JsonRpcClient, serveJsonRpc, type RpcHandlers } from '../../vca/index.js';

configureLogging({ console: false });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connected TCP pair: `server` is the accepted side, `client` the connecting one. */
async function socketPair(): Promise<{ server: Socket; client: Socket; close: () => void; listener: Server }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as { port: number }).port;
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  return {
    server,
    client,
    listener,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

/** Read newline-delimited JSON from a raw socket. */
function lines(sock: Socket): { next: () => Promise<Record<string, unknown>> } {
  let buf = '';
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  sock.setEncoding('utf8');
  sock.on('data', (c: string) => {
    buf += c;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    }
  });
  return { next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) };
}

describe('JSON-RPC client ⇄ server', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  let client: JsonRpcClient;
  const handlers: RpcHandlers = {
    echo: async (p) => p,
    delay: async (p) => {
      const { ms, v } = p as { ms: number; v: string };
      await sleep(ms);
      return v;
    },
    nothing: async () => undefined,
    invalid: async () => {
      throw new ValidationError('bad intent', [{ path: 'routers[0].vnfId', message: 'is missing' }]);
    },
    conflict: async () => {
      throw new ConflictError('already held');
    },
    missing: async () => {
      throw new NotFoundError('hybrid key of tunnel', 't1');
    },
    plain: async () => {
      throw new Error('plain failure');
    },
    // Not async: throws before any promise exists.
    sync: (() => {
      throw new ValidationError('thrown synchronously');
    }) as unknown as RpcHandlers[string],
    never: () => new Promise(() => undefined),
    bigint: async () => ({ bytes: 1n }),
    // Subscribes the channel: pushes two notifications after the reply.
    subscribe: async (p, channel) => {
      const { n } = p as { n: number };
      setTimeout(() => {
        for (let i = 0; i < n; i++) channel.notify('tick', { i });
      }, 5);
      channel.onClose(() => closedChannels.push('subscribe'));
      return { subscribed: true };
    },
  };
  const closedChannels: string[] = [];

  beforeEach(async () => {
    pair = await socketPair();
    serveJsonRpc(pair.server, handlers);
    client = new JsonRpcClient(pair.client, 'VCA of test');
  });
  afterEach(() => pair.close());

  it('returns results, with undefined as null, and keeps params intact', async () => {
    const params = { a: [1, 2, { b: 'ü€\u2028' }], c: null, long: 'x'.repeat(200_000) };
    expect(await client.call('echo', params)).toEqual(params);
    expect(await client.call('nothing', {})).toBeNull();
    // Missing params reach the handler as {}.
    expect(await client.call('echo', undefined)).toEqual({});
  });

  it('correlates concurrent calls whose replies come back out of order', async () => {
    const order: string[] = [];
    const calls = [300, 10, 150, 0, 80].map((ms, i) =>
      client.call('delay', { ms, v: `r${i}` }).then((v) => {
        order.push(v as string);
        return v;
      }),
    );
    expect(await Promise.all(calls)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(order).toEqual(['r3', 'r1', 'r4', 'r2', 'r0']);
    // Many at once as well.
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => client.call('echo', { i })));
    expect(many).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
  });

  it('rejects with a QnfvError that carries the remote code and message', async () => {
    const cases: [string, string, RegExp][] = [
      ['invalid', 'VALIDATION', /^VCA of test: bad intent: routers\[0\]\.vnfId: is missing$/],
      ['conflict', 'CONFLICT', /already held/],
      ['missing', 'NOT_FOUND', /t1/],
      ['plain', 'REMOTE', /^VCA of test: plain failure$/],
      ['sync', 'VALIDATION', /thrown synchronously/],
      ['no.such.method', 'REMOTE', /method not found: no\.such\.method/],
    ];
    for (const [method, code, msg] of cases) {
      const err = (await client.call(method, {}).catch((e: unknown) => e)) as QnfvError;
      expect(err).toBeInstanceOf(QnfvError);
      expect({ method, code: err.code }).toEqual({ method, code });
      expect(err.message).toMatch(msg);
    }
    // The channel is still usable after errors.
    expect(await client.call('echo', { ok: true })).toEqual({ ok: true });
  });

  it('answers a result it cannot serialise with an internal error instead of failing silently', async () => {
    await expect(client.call('bigint', {}, 2000)).rejects.toMatchObject({ code: 'REMOTE', message: expect.stringMatching(/internal error: result cannot be serialised/) });
    expect(await client.call('echo', { still: 'serving' })).toEqual({ still: 'serving' });
  });

  it('does not dispatch to Object.prototype members', async () => {
    for (const method of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      await expect(client.call(method, {}, 2000)).rejects.toThrow(`method not found: ${method}`);
    }
  });

  it('times out a call that gets no reply, and ignores the late reply', async () => {
    const t0 = Date.now();
    await expect(client.call('delay', { ms: 300, v: 'late' }, 100)).rejects.toThrow('VCA of test: delay timed out after 100 ms');
    expect(Date.now() - t0).toBeLessThan(290);
    await sleep(300);
    // The late reply was dropped without disturbing the next call.
    expect(await client.call('echo', { after: 1 })).toEqual({ after: 1 });
  });

  it('refuses params that cannot be serialised, without leaving a pending call', async () => {
    await expect(client.call('echo', { big: 1n })).rejects.toThrow(/params cannot be sent/);
    expect(await client.call('echo', { fine: 1 })).toEqual({ fine: 1 });
  });

  it('fails every pending call when the channel closes, and later calls at once', async () => {
    const a = client.call('never', {});
    const b = client.call('never', {});
    pair.server.end();
    await expect(a).rejects.toThrow('channel to VCA of test closed');
    await expect(b).rejects.toThrow('channel to VCA of test closed');
    await expect(client.call('echo', {})).rejects.toThrow('channel to VCA of test closed');
  });

  it('a transport error fails pending calls with its reason', async () => {
    const p = client.call('never', {});
    pair.client.destroy(new Error('link down'));
    await expect(p).rejects.toThrow('channel to VCA of test: link down');
    await expect(client.call('echo', {})).rejects.toThrow('link down');
  });

  it('carries notifications the server pushes after a call (JSON-RPC 2.0 §4.1), in order', async () => {
    const got: { method: string; params: unknown }[] = [];
    client.onNotification((method, params) => got.push({ method, params }));
    expect(await client.call('subscribe', { n: 3 })).toEqual({ subscribed: true });
    for (let i = 0; i < 100 && got.length < 3; i++) await sleep(5);
    expect(got).toEqual([0, 1, 2].map((i) => ({ method: 'tick', params: { i } })));
    // Calls keep working on the subscribed channel.
    expect(await client.call('echo', { x: 1 })).toEqual({ x: 1 });
  });

  it('tells the subscriber when the channel closes, and `closed` resolves', async () => {
    closedChannels.length = 0;
    await client.call('subscribe', { n: 0 });
    const closed = client.closed;
    client.close();
    await closed;
    for (let i = 0; i < 100 && closedChannels.length === 0; i++) await sleep(5);
    expect(closedChannels).toEqual(['subscribe']);
  });

  it('close() ends the channel', async () => {
    const pending = client.call('never', {});
    client.close();
    await expect(pending).rejects.toThrow(/closed/);
  });
});

describe('JSON-RPC server against a raw peer', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  let replies: ReturnType<typeof lines>;
  beforeEach(async () => {
    pair = await socketPair();
    serveJsonRpc(pair.server, { echo: async (p) => p });
    replies = lines(pair.client);
  });
  afterEach(() => pair.close());

  it('answers malformed lines with a parse error (id null) and keeps serving', async () => {
    pair.client.write('{not json\n');
    expect(await replies.next()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/malformed JSON-RPC message/) } });
    pair.client.write('\n  \n{"jsonrpc":"2.0","id":7,"method":"echo","params":{"x":1}}\n');
    expect(await replies.next()).toEqual({ jsonrpc: '2.0', id: 7, result: { x: 1 } });
  });

  it('answers invalid requests with -32600 and the id when it can read one', async () => {
    pair.client.write('{"jsonrpc":"2.0","method":"echo"}\n');
    expect(await replies.next()).toMatchObject({ id: null, error: { code: -32600 } });
    pair.client.write('{"jsonrpc":"2.0","id":5}\n');
    expect(await replies.next()).toMatchObject({ id: 5, error: { code: -32600 } });
    pair.client.write('[1,2]\nnull\n42\n');
    for (let i = 0; i < 3; i++) expect(await replies.next()).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('assembles a request split across writes, and several requests in one write', async () => {
    const req = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { s: 'é'.repeat(1000) } });
    const bytes = Buffer.from(req + '\n');
    // Split inside a multi-byte character.
    const cut = bytes.indexOf(0xc3) + 1;
    pair.client.write(bytes.subarray(0, cut));
    await sleep(20);
    pair.client.write(bytes.subarray(cut, cut + 700));
    await sleep(20);
    pair.client.write(bytes.subarray(cut + 700));
    expect(await replies.next()).toMatchObject({ id: 1, result: { s: 'é'.repeat(1000) } });
    pair.client.write(
      // Blank lines between them are no messages.
      [2, 3, 4].map((id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'echo', params: { id } })).join('\n \n') + '\n',
    );
    expect([await replies.next(), await replies.next(), await replies.next()]).toEqual([2, 3, 4].map((id) => ({ jsonrpc: '2.0', id, result: { id } })));
  });

  it('survives an error on its stream', async () => {
    pair.server.destroy(new Error('transport broke'));
    await sleep(50);
    expect(pair.server.destroyed).toBe(true);
  });

  it('closes the channel on a line longer than 16 MiB', async () => {
    const closed = once(pair.client, 'close');
    pair.client.write('"' + 'a'.repeat(16 * 1024 * 1024 + 10));
    await closed;
  });
});

describe('JSON-RPC client against a raw peer', () => {
  let pair: Awaited<ReturnType<typeof socketPair>>;
  let requests: ReturnType<typeof lines>;
  let client: JsonRpcClient;
  beforeEach(async () => {
    pair = await socketPair();
    requests = lines(pair.server);
    client = new JsonRpcClient(pair.client, 'peer');
  });
  afterEach(() => pair.close());

  it('sends JSON-RPC 2.0 requests with increasing ids, one per line', async () => {
    void client.call('vca.hello', {}, 1000).catch(() => undefined);
    void client.call('vca.deploy', { a: 1 }, 1000).catch(() => undefined);
    expect(await requests.next()).toEqual({ jsonrpc: '2.0', id: 1, method: 'vca.hello', params: {} });
    expect(await requests.next()).toEqual({ jsonrpc: '2.0', id: 2, method: 'vca.deploy', params: { a: 1 } });
  });

  it('ignores replies for unknown ids and non-objects, matches the right one', async () => {
    const p = client.call('m', {});
    const req = await requests.next();
    pair.server.write('{"jsonrpc":"2.0","id":999,"result":"stray"}\n5\nnull\n{"id":"1","result":"string id"}\n');
    pair.server.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: 'mine' }) + '\n');
    await expect(p).resolves.toBe('mine');
  });

  it('an error reply without qnfvCode becomes code REMOTE', async () => {
    const p = client.call('m', {});
    const req = await requests.next();
    pair.server.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, error: { code: -32601, message: 'nope' } }) + '\n');
    await expect(p).rejects.toMatchObject({ code: 'REMOTE', message: 'peer: nope' });
  });

  it('a malformed reply fails pending calls and closes the channel', async () => {
    const p = client.call('m', {});
    await requests.next();
    const closed = once(pair.server, 'close');
    pair.server.write('}{\n');
    await expect(p).rejects.toThrow(/malformed JSON-RPC message/);
    await closed;
    await expect(client.call('m', {})).rejects.toThrow(/malformed JSON-RPC message/);
  });
});
