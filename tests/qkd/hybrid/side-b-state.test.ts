/**
 * What side B keeps per key stream index between a peer's offer and its own
 * GET_KEY (`StreamSlots`, `AnsweredSecrets`): one index or a whole stream is
 * dropped without touching the others, secrets are zeroed whichever way they
 * go, expired entries leave the per-stream index. Also the per-offer checks
 * made cheaper: base64 fields accept exactly what the regex accepted, and a
 * remembered hybrid URI parse hands out copies.
 */
import { randomBytes } from 'node:crypto';
import { base64Field, parseHybridUri, type KeyRequestContext } from '../../../qkd/index.js';
import { AnsweredSecrets } from '../../../qkd/hybrid/answered-secrets.js';
import { StreamSlots } from '../../../qkd/hybrid/stream-slots.js';

const X = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const Y = '2c5f39cb-3fb2-42e3-994f-1127e4ddb538';
const ctx = (ksid: string, index: number): KeyRequestContext => ({ ksid, index, source: 's', destination: 'd', combiner: 'kdf', keyChunkSize: 32 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('StreamSlots', () => {
  it('gets, takes one index, and takes a whole stream, leaving other streams alone', () => {
    const slots = new StreamSlots<string>(60_000);
    try {
      for (const i of [0, 1, 2]) slots.set(X, i, `x${i}`);
      slots.set(Y, 1, 'y1');
      expect(slots.size).toBe(4);
      expect(slots.get(X, 1)).toBe('x1');
      expect(slots.take(X, 1)).toBe('x1');
      expect(slots.get(X, 1)).toBeUndefined();
      expect(slots.take(X, 1)).toBeUndefined();
      expect(slots.takeStream(X).sort()).toEqual(['x0', 'x2']);
      expect(slots.takeStream(X)).toEqual([]);
      expect(slots.get(Y, 1)).toBe('y1');
      expect(slots.size).toBe(1);
    } finally {
      slots.close();
    }
  });

  it('runs onExpire for expired entries (and those left at close), which then leave their stream', async () => {
    const expired: string[] = [];
    const slots = new StreamSlots<string>(20, (ksid, index, v) => expired.push(`${ksid === X ? 'X' : 'Y'}/${index}=${v}`));
    slots.set(X, 0, 'a');
    await sleep(40);
    slots.set(X, 1, 'b');
    expect(slots.get(X, 0)).toBeUndefined();
    expect(expired).toEqual(['X/0=a']);
    expect(slots.takeStream(X)).toEqual(['b']);
    slots.set(Y, 3, 'c');
    slots.close();
    expect(expired).toEqual(['X/0=a', 'Y/3=c']);
  });
});

describe('AnsweredSecrets', () => {
  it('zeroes what forget drops, by index or by stream, and nothing else', () => {
    const answered = new AnsweredSecrets('ML-KEM-512', 60_000);
    const secret = (): Uint8Array => new Uint8Array(randomBytes(32)).map((b) => b | 1);
    const kept = new Map<string, Uint8Array>();
    for (const [ksid, i] of [[X, 0], [X, 1], [X, 2], [Y, 0]] as const) {
      const s = secret();
      kept.set(`${ksid}/${i}`, s);
      answered.keep(ctx(ksid, i), s, new Uint8Array(32));
    }
    expect(() => answered.assertFree(ctx(X, 1))).toThrow(/already offered/);
    answered.forget(X, 1);
    expect(kept.get(`${X}/1`)!.every((b) => b === 0)).toBe(true);
    expect(() => answered.recover(ctx(X, 1))).toThrow(/secret for key stream/);
    expect(() => answered.assertFree(ctx(X, 1))).not.toThrow();
    expect(answered.recover(ctx(X, 0)).secret).toBe(kept.get(`${X}/0`));
    answered.forget(X);
    expect(kept.get(`${X}/2`)!.every((b) => b === 0)).toBe(true);
    expect(kept.get(`${Y}/0`)!.some((b) => b !== 0)).toBe(true);
    answered.close();
    expect(kept.get(`${Y}/0`)!.every((b) => b === 0)).toBe(true);
  });
});

describe('base64Field', () => {
  const field = (v: unknown): Uint8Array => base64Field({ f: v }, 'f', 4, 'X');

  it('accepts the canonical form and, as before, the unpadded one and non-zero trailing bits', () => {
    expect(Array.from(field('AQIDBA=='))).toEqual([1, 2, 3, 4]);
    expect(Array.from(field('AQIDBA'))).toEqual([1, 2, 3, 4]);
    expect(Array.from(field('AQIDBB=='))).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['whitespace', 'AQID BA=='],
    ['base64url characters', 'AQ-_BA=='],
    ['padding inside', 'AQ==IDBA'],
    ['three padding characters', 'AQIDBA==='],
    ['a number', 42],
  ])('refuses %s', (_what, v) => {
    expect(() => field(v)).toThrow(/sources\.X\.f must be a base64 string/);
  });

  it('refuses the wrong length after the alphabet', () => {
    expect(() => field('AQID')).toThrow(/must be 4 bytes, got 3/);
  });
});

describe('parseHybridUri (remembered parses)', () => {
  const uri = `hybrid://SPI_1@aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa?key_sources=QKD,ML-KEM-512`;

  it('hands out copies: changing one does not change the next', () => {
    const first = parseHybridUri(uri);
    first.keySources.push('X25519');
    first.name = 'changed';
    expect(parseHybridUri(uri)).toEqual({ name: 'SPI_1', nodeUuid: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', hybridization: 'kdf', keySources: ['QKD', 'ML-KEM-512'], singleSourcePolicy: 'require-all' });
  });

  it('refuses an invalid URI every time, naming the field of each call', () => {
    const bad = uri.replace('QKD', 'RSA');
    expect(() => parseHybridUri(bad, 'source')).toThrow(/^source: unknown key source 'RSA'/);
    expect(() => parseHybridUri(bad, 'destination')).toThrow(/^destination: unknown key source 'RSA'/);
  });
});
