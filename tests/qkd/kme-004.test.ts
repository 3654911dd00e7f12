/**
 * ETSI GS QKD 004 at the QKD node (qkd/kme-004.ts), over real TCP with the
 * project's 004 client, on a QkdLink with the CSPRNG stand-in: a key stream
 * opened at node A and joined at node B gives both SAEs the same key for
 * each index; every status the node answers (0, 1, 2, 3, 4, 5, 6, 7) comes
 * from a real request; a key leaves each node once; waiting GET_KEYs are
 * served when the link delivers more keys; CLOSE ends an end.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { configureLogging } from '../../common/index.js';
import { Etsi004Client, Etsi004Status, Etsi004StatusError, QkdLink } from '../../qkd/index.js';

configureLogging({ console: false });

let link: QkdLink;
let a: Etsi004Client;
let b: Etsi004Client;
const A = 'qkd://SAE_A@KME_A';
const B = 'qkd://SAE_B@KME_B';

beforeEach(async () => {
  link = await QkdLink.start({ keyRate: 0, prefill: 8, poolSize: 64, etsi004: true, nodes: [{ kmeId: 'KME_A', saeIds: ['SAE_A'] }, { kmeId: 'KME_B', saeIds: ['SAE_B'] }] });
  a = await Etsi004Client.connect({ port: link.nodes[0].kme004Port! });
  b = await Etsi004Client.connect({ port: link.nodes[1].kme004Port! });
});
afterEach(async () => {
  await Promise.all([a.end(), b.end()]);
  await link.stop();
});

const run = promisify(execFile);

/** An independent 004 client (Python stdlib): open at A, join at B, GET_KEY index 0 at both, CLOSE both; prints the responses. */
const PY_CLIENT = `
import json, socket, sys
def conn(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10); return [s, b""]
def call(c, command, data):
    c[0].sendall(json.dumps({"command": command, "data": data}).encode() + b"\\n")
    while b"\\n" not in c[1]:
        c[1] += c[0].recv(65536)
    line, c[1] = c[1].split(b"\\n", 1); return json.loads(line)
qos = {"key_chunk_size": 32, "max_bps": 0, "min_bps": 0, "jitter": 0, "priority": 0, "timeout": 0, "ttl": 0, "metadata_mimetype": "application/json"}
a, b = conn(sys.argv[1]), conn(sys.argv[2])
out = {"open_a": call(a, "OPEN_CONNECT", {"source": "qkd://SAE_A@KME_A", "destination": "qkd://SAE_B@KME_B", "qos": qos})}
ksid = out["open_a"]["key_stream_id"]
out["open_b"] = call(b, "OPEN_CONNECT", {"source": "qkd://SAE_B@KME_B", "destination": "qkd://SAE_A@KME_A", "qos": qos, "key_stream_id": ksid})
out["get_a"] = call(a, "GET_KEY", {"key_stream_id": ksid, "index": 0})
out["get_b"] = call(b, "GET_KEY", {"key_stream_id": ksid, "index": 0})
out["close_a"] = call(a, "CLOSE", {"key_stream_id": ksid})
out["close_b"] = call(b, "CLOSE", {"key_stream_id": ksid})
print(json.dumps(out))
`;

/** The status of a call that must fail. */
async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Etsi004StatusError) return err.status;
    throw err;
  }
  throw new Error('expected a non-zero status');
}

describe('ETSI 004 at the QKD node', () => {
  it('opens at A, joins at B, and gives both ends the same key per index (chunks of two keys), each once', async () => {
    const { key_stream_id: ksid } = await a.openConnect(A, B, { key_chunk_size: 64 });
    expect((await b.openConnect(B, A, { key_chunk_size: 64 }, ksid)).key_stream_id).toBe(ksid);
    const a0 = await a.getKey(ksid, 0);
    const b1 = await b.getKey(ksid, 1);
    const b0 = await b.getKey(ksid, 0);
    const a1 = await a.getKey(ksid, 1);
    expect(a0.key).toHaveLength(64);
    expect(Buffer.from(a0.key).equals(Buffer.from(b0.key))).toBe(true);
    expect(Buffer.from(a1.key).equals(Buffer.from(b1.key))).toBe(true);
    expect(Buffer.from(a0.key).equals(Buffer.from(a1.key))).toBe(false);
    // Four keys consumed on each side, no more.
    expect(link.stores.map((s) => s.available)).toEqual([4, 4]);
    // A key leaves a node once: the same index again is status 2.
    expect(await statusOf(a.getKey(ksid, 0))).toBe(Etsi004Status.INSUFFICIENT_KEY);
  });

  it('status 3 before the peer SAE opened the stream; 1 when joining a stream nobody opened; 5 when an end opens twice', async () => {
    const { key_stream_id: ksid } = await a.openConnect(A, B);
    expect(await statusOf(a.getKey(ksid, 0))).toBe(Etsi004Status.PEER_APP_NOT_CONNECTED);
    expect(await statusOf(b.openConnect(B, A, {}, '6c1e3b0c-0000-4000-8000-000000000000'))).toBe(Etsi004Status.PEER_NOT_CONNECTED);
    await b.openConnect(B, A, {}, ksid);
    expect(await statusOf(b.openConnect(B, A, {}, ksid))).toBe(Etsi004Status.KSID_IN_USE);
    expect(await statusOf(a.openConnect(A, B, {}, ksid))).toBe(Etsi004Status.KSID_IN_USE);
  });

  it('the joining end may repeat the opener’s source and destination (the QUBIP dialect)', async () => {
    const { key_stream_id: ksid } = await a.openConnect(A, B);
    expect((await b.openConnect(A, B, {}, ksid)).key_stream_id).toBe(ksid);
    const [ka, kb] = [await a.getKey(ksid, 0), await b.getKey(ksid, 0)];
    expect(Buffer.from(ka.key).equals(Buffer.from(kb.key))).toBe(true);
  });

  it('an independent client (Python stdlib socket + json) gets the same key at both nodes', async () => {
    const out = JSON.parse((await run('/usr/bin/python3', ['-c', PY_CLIENT, String(link.nodes[0].kme004Port), String(link.nodes[1].kme004Port)])).stdout) as Record<string, { status: number; key_buffer?: string }>;
    expect(Object.values(out).map((r) => r.status)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(out.get_a!.key_buffer).toMatch(/^[0-9a-f]{64}$/);
    expect(out.get_a!.key_buffer).toBe(out.get_b!.key_buffer);
  });

  it('status 4 for an SAE of another node, an unreachable destination, an unknown or closed stream', async () => {
    expect(await statusOf(a.openConnect(B, A))).toBe(Etsi004Status.NO_QKD_CONNECTION);
    expect(await statusOf(a.openConnect(A, 'qkd://SAE_Z@KME_Z'))).toBe(Etsi004Status.NO_QKD_CONNECTION);
    expect(await statusOf(a.getKey('6c1e3b0c-0000-4000-8000-000000000000', 0))).toBe(Etsi004Status.NO_QKD_CONNECTION);
    const { key_stream_id: ksid } = await a.openConnect(A, B);
    await b.openConnect(B, A, {}, ksid);
    await a.close(ksid);
    expect(await statusOf(a.getKey(ksid, 0))).toBe(Etsi004Status.NO_QKD_CONNECTION);
    expect(await statusOf(a.close(ksid))).toBe(Etsi004Status.NO_QKD_CONNECTION);
    await b.close(ksid);
  });

  it('status 7 with a counter-proposal for a chunk size that is not whole keys, or differs from the peer end', async () => {
    const bad = await a.request({ command: 'OPEN_CONNECT', data: { source: A, destination: B, qos: { key_chunk_size: 40, max_bps: 0, min_bps: 0, jitter: 0, priority: 0, timeout: 0, ttl: 0, metadata_mimetype: 'application/json' } } });
    expect(bad).toMatchObject({ status: Etsi004Status.QOS_NOT_MET, qos: { key_chunk_size: 32 } });
    const { key_stream_id: ksid } = await a.openConnect(A, B, { key_chunk_size: 32 });
    expect(await statusOf(b.openConnect(B, A, { key_chunk_size: 64 }, ksid))).toBe(Etsi004Status.QOS_NOT_MET);
  });

  it('without keys: status 2 at once with timeout 0; with a timeout the request waits for the link, else 6', async () => {
    link.stores[0].takeNext(link.stores[0].available, 'drain'); // bound elsewhere: nothing left at either node
    expect(link.stores.map((s) => s.available)).toEqual([0, 0]);
    const open = async (timeout: number): Promise<string> => {
      const { key_stream_id: ksid } = await a.openConnect(A, B, { timeout });
      await b.openConnect(B, A, { timeout }, ksid);
      return ksid;
    };
    expect(await statusOf(a.getKey(await open(0), 0))).toBe(Etsi004Status.INSUFFICIENT_KEY);
    expect(await statusOf(a.getKey(await open(150), 0))).toBe(Etsi004Status.TIMEOUT);
    const ksid = await open(3000);
    const waiting = a.getKey(ksid, 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(link.fill(2)).toBe(2);
    const k = await waiting;
    expect(Buffer.from(k.key).equals(Buffer.from((await b.getKey(ksid, 0)).key))).toBe(true);
  });
});
