import { ValidationError } from '../../../common/index.js';
import { DEFAULT_QOS, JsonMessageReader, encodeMessage, parseRequest } from '../../../qkd/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ETSI 004 JSON framing', () => {
  it('writes one compact JSON object terminated by a newline', () => {
    expect(encodeMessage({ status: 0, key_stream_id: 'x' })).toBe('{"status":0,"key_stream_id":"x"}\n');
  });

  it('reads newline-terminated messages', () => {
    const r = new JsonMessageReader();
    expect(r.push(enc('{"a":1}\n{"b":2}\n'))).toEqual([{ a: 1 }, { b: 2 }]);
    expect(r.pending).toBe(0);
  });

  it('reads a message split across chunks, including inside strings and escapes', () => {
    const msg = '{"command":"GET_KEY","data":{"key_stream_id":"a\\"}{b","index":3,"x":[1,{"y":"]"}]}}\n';
    const r = new JsonMessageReader();
    const out: unknown[] = [];
    for (let i = 0; i < msg.length; i += 5) out.push(...r.push(enc(msg.slice(i, i + 5))));
    expect(out).toEqual([JSON.parse(msg)]);
  });

  it('reads a multi-byte UTF-8 character split between chunks', () => {
    const bytes = enc('{"name":"señal✓"}');
    const r = new JsonMessageReader();
    const cut = bytes.indexOf(0xc3) + 1; // inside "ñ"
    expect(r.push(bytes.subarray(0, cut))).toEqual([]);
    expect(r.push(bytes.subarray(cut))).toEqual([{ name: 'señal✓' }]);
  });

  it('reads concatenated unterminated objects (QUBIP clients send no newline)', () => {
    const r = new JsonMessageReader();
    expect(r.push('{"a":1}{"b":{"c":[2]}}  {"d":"}"}')).toEqual([{ a: 1 }, { b: { c: [2] } }, { d: '}' }]);
  });

  it('returns an unterminated final object as soon as it is complete', () => {
    const r = new JsonMessageReader();
    expect(r.push('{"command":"CLOSE","data":{"key_stream_id":')).toEqual([]);
    expect(r.pending).toBeGreaterThan(0);
    expect(r.push('"k"}}')).toEqual([{ command: 'CLOSE', data: { key_stream_id: 'k' } }]);
  });

  it('rejects non-objects, bad JSON and oversized messages', () => {
    expect(() => new JsonMessageReader().push('[1,2]')).toThrow(/expected a JSON object/);
    expect(() => new JsonMessageReader().push('hello')).toThrow(/expected a JSON object/);
    expect(() => new JsonMessageReader().push('{"a":}')).toThrow(/invalid JSON/);
    expect(() => new JsonMessageReader(16).push('{"a":"' + 'x'.repeat(40))).toThrow(/exceeds 16/);
  });
});

describe('ETSI 004 requests', () => {
  const ksid = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';

  it('parses the three commands with the contract field names', () => {
    expect(
      parseRequest({ command: 'OPEN_CONNECT', data: { source: 's', destination: 'd', qos: { key_chunk_size: 20, TTL: 5 } } }),
    ).toEqual({ command: 'OPEN_CONNECT', data: { source: 's', destination: 'd', qos: { ...DEFAULT_QOS, key_chunk_size: 20, ttl: 5 } } });
    expect(parseRequest({ command: 'OPEN_CONNECT', data: { source: 's', destination: 'd', key_stream_id: ksid.toUpperCase() } }).data).toMatchObject({
      key_stream_id: ksid,
    });
    expect(parseRequest({ command: 'GET_KEY', data: { key_stream_id: ksid, index: 0, metadata: { size: 10, buffer: '' } } })).toEqual({
      command: 'GET_KEY',
      data: { key_stream_id: ksid, index: 0, metadata: { size: 10 } },
    });
    expect(parseRequest({ command: 'CLOSE', data: { key_stream_id: ksid } })).toEqual({ command: 'CLOSE', data: { key_stream_id: ksid } });
  });

  it('names the offending field', () => {
    expect(() => parseRequest({ command: 'NOPE', data: {} })).toThrow(/unknown command 'NOPE'/);
    expect(() => parseRequest({ command: 'GET_KEY', data: { key_stream_id: ksid, index: -1 } })).toThrow(/data.index/);
    expect(() => parseRequest({ command: 'GET_KEY', data: { key_stream_id: 'abc', index: 0 } })).toThrow(/data.key_stream_id/);
    expect(() => parseRequest({ command: 'OPEN_CONNECT', data: { destination: 'd' } })).toThrow(/data.source/);
    expect(() => parseRequest({ command: 'OPEN_CONNECT', data: { source: 's', destination: 'd', qos: { key_chunk_size: 1.5 } } })).toThrow(
      ValidationError,
    );
  });
});
