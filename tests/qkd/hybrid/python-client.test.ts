/**
 * An independent ETSI 004 client (Python stdlib: socket + json) drives both
 * Hybridization Modules through the key-id synchronisation, with and without
 * newline terminators.
 */
import { NODE_A, NODE_B, here, quietLogs, run, startDomains, type Domains } from '../helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = here('python/etsi004_client.py');

type Reply = Record<string, unknown>;

describe('Hybridization Module with a Python ETSI 004 client', () => {
  let d: Domains;
  beforeAll(async () => {
    quietLogs();
    d = await startDomains({ prefill: 20 });
  });
  afterAll(() => d.stop());

  it.each([
    ['newline', 'kdf'],
    ['bare', 'kdf'],
    ['newline', 'hmac'],
    ['bare', 'xor'],
  ])('gets the same key at both ends (framing: %s, combiner: %s)', async (mode, combiner) => {
    const out = JSON.parse(await run(PYTHON, [SCRIPT, String(d.hmA.port), String(d.hmB.port), NODE_A, NODE_B, mode, combiner])) as Record<string, Reply>;
    expect(out.open_a).toMatchObject({ status: 0, key_stream_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const ksid = out.open_a.key_stream_id as string;
    expect(out.get_a).toMatchObject({ status: 0, index: 0, key_buffer: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(out.open_b).toMatchObject({ status: 0, key_stream_id: ksid });
    expect(out.get_b).toMatchObject({ status: 0, index: 0 });
    expect(out.get_b.key_buffer).toBe(out.get_a.key_buffer);
    expect(out.get_b.metadata).toEqual(out.get_a.metadata);
    const md = JSON.parse((out.get_a.metadata as { buffer: string }).buffer) as Reply;
    expect(md).toMatchObject({ key_stream_id: ksid, index: 0, kem: 'ML-KEM-512', combiner, degraded: false });
    expect(out.unknown_b).toMatchObject({ status: 1 });
    expect(out.close_a).toEqual({ status: 0 });
    expect(out.close_b).toEqual({ status: 0 });
  });
});
