import { formatHybridUri, parseHybridUri, policyOf } from '../../../qkd/index.js';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

describe('hybrid URIs', () => {
  it('parses name, node, combiner and sources', () => {
    const u = parseHybridUri(`hybrid://SPI_1@${A.toUpperCase()}?hybridization=hmac&key_sources=ml-kem-768,QKD`);
    expect(u).toEqual({ name: 'SPI_1', nodeUuid: A, hybridization: 'hmac', keySources: ['ML-KEM-768', 'QKD'] });
    expect(parseHybridUri(formatHybridUri(u))).toEqual(u);
  });

  it('defaults the combiner to kdf', () => {
    expect(parseHybridUri(`hybrid://x@${A}?key_sources=QKD,ML-KEM-512`).hybridization).toBe('kdf');
  });

  it.each([
    [`http://SPI_1@${A}?key_sources=QKD`, /must look like hybrid:\/\//],
    [`hybrid://${A}?key_sources=QKD`, /must look like/],
    [`hybrid://SPI_1@node-a?key_sources=QKD`, /not a UUID/],
    [`hybrid://SPI_1@${A}?hybridization=xoring&key_sources=QKD`, /xor, hmac, kdf/],
    [`hybrid://SPI_1@${A}?hybridization=kdf`, /key_sources is required/],
    [`hybrid://SPI_1@${A}?key_sources=QKD,RSA`, /unknown key source 'RSA'/],
    [`hybrid://SPI_1@${A}?key_sources=QKD,QKD`, /twice/],
    [`hybrid://SPI_1@${A}?hybridisation=kdf&key_sources=QKD`, /unknown parameter 'hybridisation'/],
  ])('refuses %s', (uri, msg) => {
    expect(() => parseHybridUri(uri, 'source')).toThrow(msg);
  });

  it('checks that both ends agree and name this node', () => {
    const u = (n: string, c = 'kdf', s = 'ML-KEM-512,QKD'): string => `hybrid://SPI_1@${n}?hybridization=${c}&key_sources=${s}`;
    expect(policyOf(u(A), u(B), A)).toMatchObject({ combiner: 'kdf', sources: ['QKD', 'ML-KEM-512'], kem: 'ML-KEM-512' });
    expect(() => policyOf(u(A, 'xor'), u(B), A)).toThrow(/disagree on hybridization/);
    expect(() => policyOf(u(A), u(B, 'kdf', 'ML-KEM-768,QKD'), A)).toThrow(/disagree on key_sources/);
    expect(() => policyOf(u(A), u(B), 'cccccccc-cccc-4ccc-8ccc-cccccccccccc')).toThrow(/names this Hybridization Module/);
    expect(() => policyOf(u(A), u(A), A)).toThrow(/same node/);
    expect(() => policyOf(u(A, 'kdf', 'QKD'), u(B, 'kdf', 'QKD'), A)).toThrow(/not supported yet/);
    expect(() => policyOf(u(A), u(B), A, 'cccccccc-cccc-4ccc-8ccc-cccccccccccc')).toThrow(/not this module's peer/);
  });
});
