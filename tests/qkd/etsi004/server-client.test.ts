/**
 * The generic ETSI 004 server and the client, with a fake handler that answers
 * every status 0..8; plus raw sockets to see exactly what goes on the wire.
 */
import net from 'node:net';
import {
  Etsi004Client,
  Etsi004Server,
  Etsi004Status,
  Etsi004StatusError,
  ETSI004_STATUS_NAMES,
  type Etsi004Handler,
} from '../../../qkd/index.js';
import { quietLogs } from '../helpers.js';

const KSID = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

/** Fake key manager: the index asked for is the status returned (0 = a key). */
const handler: Etsi004Handler = {
  openConnect: (req) => {
    if (req.destination === 'busy') throw new Etsi004StatusError(Etsi004Status.KSID_IN_USE, 'in use');
    if (req.qos.key_chunk_size > 64) throw new Etsi004StatusError(Etsi004Status.QOS_NOT_MET, 'too big', { qos: { ...req.qos, key_chunk_size: 64 } });
    if (req.key_stream_id) return { status: Etsi004Status.PEER_NOT_CONNECTED, key_stream_id: req.key_stream_id, qos: req.qos };
    return { status: 0, key_stream_id: KSID, qos: req.qos };
  },
  getKey: async (req) => {
    if (req.index === 0) return { status: 0, index: 0, key_buffer: '00ff'.repeat(8), metadata: { size: 2, buffer: '{}' } };
    if (req.index === 99) throw new Error('boom');
    if (req.index === 8) throw new Etsi004StatusError(8, 'metadata too small', { metadata: { size: 100, buffer: '' } });
    return { status: req.index, message: `status ${req.index}` };
  },
  close: () => ({ status: 0 }),
};

/** Send raw bytes on a fresh connection; resolve the reply text once `lines` newlines arrived or the socket closed. */
function raw(port: number, payload: string, lines = 1): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let text = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      s.destroy();
      resolve({ text, closed });
    };
    s.on('data', (d) => {
      text += d.toString('utf8');
      if (text.split('\n').length - 1 >= lines) setTimeout(() => finish(s.readableEnded), 50);
    });
    s.on('end', () => finish(true));
    s.on('error', reject);
    s.write(payload);
  });
}

describe('ETSI 004 server and client', () => {
  let server: Etsi004Server;
  let client: Etsi004Client;
  beforeAll(async () => {
    quietLogs();
    server = await Etsi004Server.start({ handler, name: 'fake' });
    client = await Etsi004Client.connect({ port: server.port });
  });
  afterAll(async () => {
    await client.end();
    await server.stop();
  });

  it('names the nine status values', () => {
    expect(Object.values(Etsi004Status)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ETSI004_STATUS_NAMES[1]).toBe('PEER_NOT_CONNECTED');
    expect(ETSI004_STATUS_NAMES[7]).toBe('QOS_NOT_MET');
  });

  it('OPEN_CONNECT, GET_KEY and CLOSE succeed with status 0', async () => {
    const oc = await client.openConnect('src', 'dst', { key_chunk_size: 16 });
    expect(oc.key_stream_id).toBe(KSID);
    expect(oc.qos.key_chunk_size).toBe(16);
    const k = await client.getKey(KSID, 0);
    expect(Buffer.from(k.key).toString('hex')).toBe('00ff'.repeat(8));
    expect(k.metadata).toEqual({ size: 2, buffer: '{}' });
    await expect(client.close(KSID)).resolves.toBeUndefined();
  });

  it('throws Etsi004StatusError with the status name for every non-zero status', async () => {
    for (const status of [2, 3, 4, 6]) {
      const err = await client.getKey(KSID, status).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Etsi004StatusError);
      expect(err).toMatchObject({ status, statusName: ETSI004_STATUS_NAMES[status] });
      expect((err as Error).message).toContain(`${ETSI004_STATUS_NAMES[status]} (status ${status})`);
    }
    await expect(client.openConnect('src', 'dst', {}, KSID)).rejects.toMatchObject({ status: 1, statusName: 'PEER_NOT_CONNECTED' });
    await expect(client.openConnect('src', 'busy')).rejects.toMatchObject({ status: 5, statusName: 'KSID_IN_USE' });
    const qos = await client.openConnect('src', 'dst', { key_chunk_size: 100 }).catch((e: Etsi004StatusError) => e);
    expect(qos).toMatchObject({ status: 7, response: { qos: { key_chunk_size: 64 } } });
    const md = await client.getKey(KSID, 8, 10).catch((e: Etsi004StatusError) => e);
    expect(md).toMatchObject({ status: 8, statusName: 'METADATA_SIZE_INSUFFICIENT', response: { metadata: { size: 100 } } });
  });

  it('answers a failing handler with status 4 and a generic message, and keeps serving', async () => {
    await expect(client.getKey(KSID, 99)).rejects.toMatchObject({ status: 4, detail: 'internal error' });
    await expect(client.getKey(KSID, 0)).resolves.toMatchObject({ index: 0 });
  });

  it('answers invalid requests with status 4 and a message naming the field', async () => {
    const res = await client.request({ command: 'GET_KEY', data: { key_stream_id: KSID } });
    expect(res).toEqual({ status: 4, message: expect.stringMatching(/^bad request: data.index/) });
    expect(await client.request({ command: 'FLY', data: {} })).toMatchObject({ status: 4, message: expect.stringMatching(/unknown command/) });
  });

  it('puts one newline-terminated JSON object per response on the wire, in order', async () => {
    const req = (i: number): string => JSON.stringify({ command: 'GET_KEY', data: { key_stream_id: KSID, index: i } });
    // Two requests, no newlines, in one segment.
    const { text } = await raw(server.port, req(0) + req(3), 2);
    const lines = text.split('\n');
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0])).toMatchObject({ status: 0, index: 0, key_buffer: '00ff'.repeat(8) });
    expect(JSON.parse(lines[1])).toEqual({ status: 3, message: 'status 3' });
  });

  it('answers garbage once and closes the connection', async () => {
    const { text, closed } = await raw(server.port, 'GET / HTTP/1.1\r\n\r\n');
    expect(JSON.parse(text.trim())).toMatchObject({ status: 4, message: expect.stringMatching(/expected a JSON object/) });
    expect(closed).toBe(true);
  });

  it('fails pending requests when the server goes away', async () => {
    const s2 = await Etsi004Server.start({
      handler: { ...handler, getKey: () => new Promise(() => {}) },
    });
    const c2 = await Etsi004Client.connect({ port: s2.port });
    const pending = c2.getKey(KSID, 0);
    await s2.stop();
    await expect(pending).rejects.toThrow(/ETSI 004 connection/);
  });
});

describe('ETSI 004 pipelining (several key streams on one connection)', () => {
  const A = '00000000-0000-4000-8000-00000000000a';
  const B = '00000000-0000-4000-8000-00000000000b';
  /** Records when each handler call starts and ends; GET_KEY of stream A is slow. */
  function recordingHandler(events: string[], release: Promise<void>): Etsi004Handler {
    return {
      openConnect: async (req) => {
        events.push(`open ${req.key_stream_id} start`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`open ${req.key_stream_id} end`);
        return { status: 0, key_stream_id: req.key_stream_id!, qos: req.qos };
      },
      getKey: async (req) => {
        events.push(`get ${req.key_stream_id} start`);
        if (req.key_stream_id === A) await release;
        events.push(`get ${req.key_stream_id} end`);
        return { status: 0, index: req.index, key_buffer: req.key_stream_id === A ? 'aa'.repeat(4) : 'bb'.repeat(4) };
      },
      close: (req) => {
        events.push(`close ${req.key_stream_id}`);
        return { status: 0 };
      },
    };
  }
  const qos = { key_chunk_size: 4 };

  beforeAll(() => quietLogs());

  it('runs one stream\'s requests in order, other streams side by side, and answers in request order', async () => {
    const events: string[] = [];
    let letAGo!: () => void;
    const release = new Promise<void>((r) => (letAGo = r));
    const server = await Etsi004Server.start({ handler: recordingHandler(events, release) });
    const client = await Etsi004Client.connect({ port: server.port });
    try {
      const settled: string[] = [];
      const track = <T>(name: string, p: Promise<T>): Promise<T> => p.finally(() => settled.push(name));
      // All six requests leave in one tick, before any answer.
      const all = Promise.all([
        track('open A', client.openConnect('s', 'd', qos, A)),
        track('get A', client.getKey(A, 0)),
        track('close A', client.close(A)),
        track('open B', client.openConnect('s', 'd', qos, B)),
        track('get B', client.getKey(B, 0)),
        track('close B', client.close(B)),
      ]);
      // Stream B is served completely while A's GET_KEY waits...
      for (let i = 0; i < 100 && !events.includes(`close ${B}`); i++) await new Promise((r) => setTimeout(r, 10));
      expect(events).toContain(`close ${B}`);
      expect(events).not.toContain(`get ${A} end`);
      // ...and within each stream nothing starts before the request before it has ended.
      for (const k of [A, B]) {
        const mine = events.filter((e) => e.includes(k));
        expect(mine.indexOf(`open ${k} end`)).toBeLessThan(mine.indexOf(`get ${k} start`));
      }
      // But no answer overtakes the one to an earlier request (A's OPEN_CONNECT may be answered: it came first).
      expect(settled.filter((n) => n !== 'open A')).toEqual([]);
      letAGo();
      const [, keyA, , , keyB] = await all;
      expect(Buffer.from((keyA as { key: Uint8Array }).key).toString('hex')).toBe('aa'.repeat(4));
      expect(Buffer.from((keyB as { key: Uint8Array }).key).toString('hex')).toBe('bb'.repeat(4));
      expect(settled).toEqual(['open A', 'get A', 'close A', 'open B', 'get B', 'close B']);
      expect(events.indexOf(`close ${A}`)).toBeGreaterThan(events.indexOf(`get ${A} end`));
    } finally {
      await client.end();
      await server.stop();
    }
  });

  it('sends requests issued in one tick in one write, and answers ready together in one write', async () => {
    // The client side, seen by a raw server.
    const chunks: string[] = [];
    const rawServer = net.createServer((s) => s.on('data', (d) => chunks.push(d.toString('utf8'))));
    await new Promise<void>((r) => rawServer.listen(0, '127.0.0.1', () => r()));
    const c = await Etsi004Client.connect({ port: (rawServer.address() as net.AddressInfo).port, timeoutMs: 60_000 });
    for (const k of [A, B, KSID]) c.getKey(k, 0).catch(() => undefined);
    for (let i = 0; i < 100 && chunks.join('').split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { data: { key_stream_id: string } }).data.key_stream_id)).toEqual([A, B, KSID]);
    await c.end().catch(() => undefined);
    await new Promise<void>((r) => rawServer.close(() => r()));

    // The server side, seen by a raw client: three answers ready in the same tick.
    const server = await Etsi004Server.start({ handler });
    try {
      const got: string[] = [];
      const s = net.connect({ port: server.port, host: '127.0.0.1' });
      s.on('data', (d) => got.push(d.toString('utf8')));
      const req = (i: number): string => JSON.stringify({ command: 'GET_KEY', data: { key_stream_id: `${KSID.slice(0, -1)}${i}`, index: 0 } }) + '\n';
      s.write(req(1) + req(2) + req(3));
      for (let i = 0; i < 100 && got.join('').split('\n').length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      s.destroy();
      expect(got).toHaveLength(1);
      expect(got[0]!.trim().split('\n')).toHaveLength(3);
    } finally {
      await server.stop();
    }
  });
});
