/** Hybrid URIs and the policy both ends must agree on (sources, combiner, single-source policy). */
import { formatHybridUri, parseHybridUri, policyOf } from '../../../qkd/index.js';

const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const u = (n: string, c = 'kdf', s = 'ML-KEM-512,QKD', p?: string): string =>
  `hybrid://SPI_1@${n}?hybridization=${c}&key_sources=${s}${p ? `&single_source_policy=${p}` : ''}`;

describe('hybrid URIs', () => {
  it('parses name, node, combiner, sources and policy', () => {
    const parsed = parseHybridUri(`hybrid://SPI_1@${A.toUpperCase()}?hybridization=hmac&key_sources=ml-kem-768,QKD&single_source_policy=allow-degraded`);
    expect(parsed).toEqual({ name: 'SPI_1', nodeUuid: A, hybridization: 'hmac', keySources: ['ML-KEM-768', 'QKD'], singleSourcePolicy: 'allow-degraded' });
    expect(parseHybridUri(formatHybridUri(parsed))).toEqual(parsed);
  });

  it('defaults the combiner to kdf and the policy to require-all', () => {
    const parsed = parseHybridUri(`hybrid://x@${A}?key_sources=QKD,X25519`);
    expect(parsed).toMatchObject({ hybridization: 'kdf', singleSourcePolicy: 'require-all', keySources: ['QKD', 'X25519'] });
    expect(formatHybridUri(parsed)).not.toContain('single_source_policy');
  });

  it.each([
    [`http://SPI_1@${A}?key_sources=QKD`, /must look like hybrid:\/\//],
    [`hybrid://${A}?key_sources=QKD`, /must look like/],
    [`hybrid://SPI_1@node-a?key_sources=QKD`, /not a UUID/],
    [`hybrid://SPI_1@${A}?hybridization=xoring&key_sources=QKD`, /xor, hmac, kdf/],
    [`hybrid://SPI_1@${A}?hybridization=kdf`, /key_sources is required/],
    [`hybrid://SPI_1@${A}?key_sources=QKD,RSA`, /unknown key source 'RSA'/],
    [`hybrid://SPI_1@${A}?key_sources=QKD,QKD`, /twice/],
    [`hybrid://SPI_1@${A}?key_sources=QKD,AUX`, /unknown key source 'AUX'/],
    [`hybrid://SPI_1@${A}?hybridisation=kdf&key_sources=QKD`, /unknown parameter 'hybridisation'/],
    [`hybrid://SPI_1@${A}?key_sources=QKD&single_source_policy=degrade`, /require-all, allow-degraded/],
  ])('refuses %s', (uri, msg) => {
    expect(() => parseHybridUri(uri, 'source')).toThrow(msg);
  });
});

describe('policyOf', () => {
  it('orders sources QKD first and names the non-QKD ones in the metadata kem', () => {
    expect(policyOf(u(A), u(B), A)).toMatchObject({ combiner: 'kdf', sources: ['QKD', 'ML-KEM-512'], kem: 'ML-KEM-512', singleSourcePolicy: 'require-all' });
    expect(policyOf(u(A, 'kdf', 'X25519,QKD,ML-KEM-1024'), u(B, 'kdf', 'QKD,X25519,ML-KEM-1024'), A)).toMatchObject({
      sources: ['QKD', 'ML-KEM-1024', 'X25519'],
      kem: 'ML-KEM-1024+X25519',
    });
    expect(policyOf(u(A, 'kdf', 'QKD', 'allow-degraded'), u(B, 'kdf', 'QKD', 'allow-degraded'), A)).toMatchObject({ sources: ['QKD'], kem: null });
  });

  it('checks that both ends agree and name this node', () => {
    expect(() => policyOf(u(A, 'xor'), u(B), A)).toThrow(/disagree on hybridization/);
    expect(() => policyOf(u(A), u(B, 'kdf', 'ML-KEM-768,QKD'), A)).toThrow(/disagree on key_sources/);
    expect(() => policyOf(u(A, 'kdf', 'ML-KEM-512,QKD', 'allow-degraded'), u(B), A)).toThrow(/disagree on single_source_policy/);
    expect(() => policyOf(u(A), u(B), 'cccccccc-cccc-4ccc-8ccc-cccccccccccc')).toThrow(/names this Hybridization Module/);
    expect(() => policyOf(u(A), u(A), A)).toThrow(/same node/);
    expect(() => policyOf(u(A), u(B), A, 'cccccccc-cccc-4ccc-8ccc-cccccccccccc')).toThrow(/not this module's peer/);
  });

  it('refuses one source under require-all, accepts it under allow-degraded', () => {
    expect(() => policyOf(u(A, 'kdf', 'QKD'), u(B, 'kdf', 'QKD'), A)).toThrow(/lists one source .*single_source_policy=require-all/);
    expect(policyOf(u(A, 'kdf', 'ML-KEM-512', 'allow-degraded'), u(B, 'kdf', 'ML-KEM-512', 'allow-degraded'), A).sources).toEqual(['ML-KEM-512']);
  });

  it('lets xor and hmac combine two sources at most', () => {
    expect(() => policyOf(u(A, 'xor', 'QKD,ML-KEM-512,X25519'), u(B, 'xor', 'QKD,ML-KEM-512,X25519'), A)).toThrow(/xor combines exactly two sources/);
    expect(() => policyOf(u(A, 'hmac', 'QKD,ML-KEM-512,X25519'), u(B, 'hmac', 'QKD,ML-KEM-512,X25519'), A)).toThrow(/hmac combines exactly two/);
    expect(policyOf(u(A, 'xor', 'QKD,X25519'), u(B, 'xor', 'QKD,X25519'), A).combiner).toBe('xor');
  });
});
