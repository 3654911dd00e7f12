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
